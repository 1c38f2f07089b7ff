/// A validated D-Bus signature: zero or more complete types.
///
/// Parsing enforces the specification's limits (255 bytes, 32 nested arrays,
/// 32 nested structs) so that nothing libdbus would reject, and abort on,
/// can be built from a `Signature`.
public struct Signature: Sendable, Hashable {
    public let types: [SignatureType]
    public let rawValue: String

    public static let maxLength = 255
    public static let maxArrayDepth = 32
    public static let maxStructDepth = 32

    /// Parses and validates signature text.
    public init(_ text: String) throws(SignatureError) {
        var parser = SignatureParser(Array(text.utf8))
        var types: [SignatureType] = []
        while !parser.atEnd {
            types.append(try parser.parseComplete(arrayDepth: 0, structDepth: 0))
        }
        guard text.utf8.count <= Self.maxLength else {
            throw SignatureError(text: text, reason: "longer than \(Self.maxLength) bytes")
        }
        self.types = types
        self.rawValue = text
    }

    /// Builds a signature from types, validating what the type model allows but
    /// the wire format forbids (empty structs, non-basic keys, depth, length).
    public init(types: [SignatureType]) throws(SignatureError) {
        var text = ""
        for type in types { type.append(to: &text) }
        try self.init(text)
    }

    /// A signature of one type, validated.
    public init(_ type: SignatureType) throws(SignatureError) {
        try self.init(types: [type])
    }

    /// Used for text libdbus has already validated.
    init(trusted text: String, types: [SignatureType]) {
        self.rawValue = text
        self.types = types
    }

    public static let empty = Signature(trusted: "", types: [])
}

extension Signature: CustomStringConvertible {
    public var description: String { rawValue }
}

/// Why signature text was rejected.
public struct SignatureError: Error, Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "invalid D-Bus signature \"\(text)\": \(reason)" }
}

/// A recursive-descent parser over the signature's bytes.
struct SignatureParser {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }

    private var text: String { String(decoding: bytes, as: UTF8.self) }

    private func fail(_ reason: String) -> SignatureError {
        SignatureError(text: text, reason: reason)
    }

    mutating func parseComplete(arrayDepth: Int, structDepth: Int) throws(SignatureError) -> SignatureType {
        guard index < bytes.count else { throw fail("ends inside a type") }
        let c = bytes[index]
        index += 1
        switch c {
        case UInt8(ascii: "y"): return .byte
        case UInt8(ascii: "b"): return .boolean
        case UInt8(ascii: "n"): return .int16
        case UInt8(ascii: "q"): return .uint16
        case UInt8(ascii: "i"): return .int32
        case UInt8(ascii: "u"): return .uint32
        case UInt8(ascii: "x"): return .int64
        case UInt8(ascii: "t"): return .uint64
        case UInt8(ascii: "d"): return .double
        case UInt8(ascii: "s"): return .string
        case UInt8(ascii: "o"): return .objectPath
        case UInt8(ascii: "g"): return .signature
        case UInt8(ascii: "h"): return .unixFD
        case UInt8(ascii: "v"): return .variant
        case UInt8(ascii: "a"):
            guard arrayDepth < Signature.maxArrayDepth else {
                throw fail("more than \(Signature.maxArrayDepth) nested arrays")
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "{") {
                index += 1
                let key = try parseComplete(arrayDepth: arrayDepth + 1, structDepth: structDepth)
                guard key.isBasic else { throw fail("dictionary key \"\(key.code)\" is not a basic type") }
                guard index < bytes.count, bytes[index] != UInt8(ascii: "}") else {
                    throw fail("dictionary entry must hold exactly one key and one value")
                }
                let value = try parseComplete(arrayDepth: arrayDepth + 1, structDepth: structDepth)
                guard index < bytes.count, bytes[index] == UInt8(ascii: "}") else {
                    throw fail("dictionary entry must hold exactly one key and one value")
                }
                index += 1
                return .dictionary(key: key, value: value)
            }
            return .array(try parseComplete(arrayDepth: arrayDepth + 1, structDepth: structDepth))
        case UInt8(ascii: "("):
            guard structDepth < Signature.maxStructDepth else {
                throw fail("more than \(Signature.maxStructDepth) nested structs")
            }
            var fields: [SignatureType] = []
            while true {
                guard index < bytes.count else { throw fail("unterminated struct") }
                if bytes[index] == UInt8(ascii: ")") {
                    index += 1
                    break
                }
                fields.append(try parseComplete(arrayDepth: arrayDepth, structDepth: structDepth + 1))
            }
            guard !fields.isEmpty else { throw fail("empty struct") }
            return .structure(fields)
        case UInt8(ascii: "{"):
            throw fail("dictionary entry outside an array")
        case UInt8(ascii: ")"), UInt8(ascii: "}"):
            throw fail("unbalanced \"\(Character(Unicode.Scalar(c)))\"")
        default:
            throw fail("unknown type code \"\(Character(Unicode.Scalar(c)))\"")
        }
    }
}
