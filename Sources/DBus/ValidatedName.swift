/// A string that the D-Bus specification constrains: object paths, bus,
/// interface, member and error names.
///
/// Raw strings never reach libdbus: its argument checks abort the process, so a
/// name from a peer or a user is validated here first and rejected with an error.
public protocol ValidatedName: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    var rawValue: String { get }
    /// Why `text` is not valid, or nil when it is.
    static func problem(with text: String) -> String?
    init(unchecked rawValue: String)
}

extension ValidatedName {
    public init(_ text: String) throws(NameError) {
        if let reason = Self.problem(with: text) {
            throw NameError(kind: String(describing: Self.self), text: text, reason: reason)
        }
        self.init(unchecked: text)
    }

    /// Literals are written by programmers, so a bad one is a programming error
    /// and traps at once; values from outside go through the throwing `init`.
    public init(stringLiteral value: String) {
        precondition(Self.problem(with: value) == nil, "invalid \(Self.self) literal \"\(value)\"")
        self.init(unchecked: value)
    }

    public static func isValid(_ text: String) -> Bool { problem(with: text) == nil }

    public var description: String { rawValue }
}

/// A string that is not a valid name of its kind.
public struct NameError: Error, Sendable, Hashable, CustomStringConvertible {
    public let kind: String
    public let text: String
    public let reason: String
    public var description: String { "invalid \(kind) \"\(text)\": \(reason)" }
}

/// The character rules shared by the dotted names of the specification.
enum NameRules {
    static let maxLength = 255

    static func isAlpha(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// Checks a dotted name of at least two elements, each element made of
    /// `[A-Za-z0-9_]` plus `extra`, where digits may lead only if `digitsMayLead`.
    static func dottedProblem(_ text: String, extra: UInt8? = nil, digitsMayLead: Bool = false) -> String? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return "empty" }
        guard bytes.count <= maxLength else { return "longer than \(maxLength) bytes" }
        var elements = 0
        var elementLength = 0
        for c in bytes {
            if c == UInt8(ascii: ".") {
                guard elementLength > 0 else { return "empty element" }
                elements += 1
                elementLength = 0
                continue
            }
            let allowed = isAlpha(c) || c == UInt8(ascii: "_") || isDigit(c) || (extra.map { $0 == c } ?? false)
            guard allowed else { return "character \"\(Character(Unicode.Scalar(c)))\" not allowed" }
            if elementLength == 0, isDigit(c), !digitsMayLead { return "element starts with a digit" }
            elementLength += 1
        }
        guard elementLength > 0 else { return "empty element" }
        guard elements + 1 >= 2 else { return "needs at least two elements separated by \".\"" }
        return nil
    }
}
