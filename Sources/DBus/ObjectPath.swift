/// A D-Bus object path such as `/org/bluez/hci0`.
public struct ObjectPath: ValidatedName, Comparable {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }

    public static let root: ObjectPath = "/"

    public static func problem(with text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "/") else { return "must start with \"/\"" }
        if bytes.count == 1 { return nil }
        guard bytes.last != UInt8(ascii: "/") else { return "must not end with \"/\"" }
        var previousSlash = false
        for c in bytes {
            if c == UInt8(ascii: "/") {
                if previousSlash { return "empty element" }
                previousSlash = true
                continue
            }
            previousSlash = false
            guard NameRules.isAlpha(c) || NameRules.isDigit(c) || c == UInt8(ascii: "_") else {
                return "character \"\(Character(Unicode.Scalar(c)))\" not allowed"
            }
        }
        return nil
    }

    /// The path one element down, e.g. `/org` + `bluez`; nil when `element` is not a valid element.
    public func appending(_ element: String) -> ObjectPath? {
        try? ObjectPath(rawValue == "/" ? "/" + element : rawValue + "/" + element)
    }

    /// True when `self` is `other` or lies below it (the `path_namespace` relation).
    public func isInNamespace(_ other: ObjectPath) -> Bool {
        if other.rawValue == "/" || rawValue == other.rawValue { return true }
        return rawValue.hasPrefix(other.rawValue) && rawValue.utf8.dropFirst(other.rawValue.utf8.count).first == UInt8(ascii: "/")
    }

    public static func < (lhs: ObjectPath, rhs: ObjectPath) -> Bool { lhs.rawValue < rhs.rawValue }
}
