/// A method, signal or property name such as `GetManagedObjects`.
public struct MemberName: ValidatedName, Comparable {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }

    public static func problem(with text: String) -> String? {
        let bytes = Array(text.utf8)
        guard let first = bytes.first else { return "empty" }
        guard bytes.count <= NameRules.maxLength else { return "longer than \(NameRules.maxLength) bytes" }
        guard !NameRules.isDigit(first) else { return "starts with a digit" }
        for c in bytes where !(NameRules.isAlpha(c) || NameRules.isDigit(c) || c == UInt8(ascii: "_")) {
            return "character \"\(Character(Unicode.Scalar(c)))\" not allowed"
        }
        return nil
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
