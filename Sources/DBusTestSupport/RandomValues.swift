public import DBus

/// A reproducible random source: the same seed gives the same values, so a
/// failing generated case can be replayed from the seed in the test's output.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    /// SplitMix64: small, fast and well distributed, which is all tests need.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generates arbitrary D-Bus types and values of them, for round-trip and
/// malformed-body tests.
public struct RandomValues {
    public var random: SeededRandom
    public init(seed: UInt64) { random = SeededRandom(seed: seed) }

    private static let basics: [SignatureType] = [
        .byte, .boolean, .int16, .uint16, .int32, .uint32, .int64, .uint64, .double, .string, .objectPath, .signature,
    ]

    public mutating func type(depth: Int = 0) -> SignatureType {
        let roll = Int.random(in: 0..<10, using: &random)
        if depth >= 4 || roll < 5 { return Self.basics.randomElement(using: &random)! }
        switch roll {
        case 5: return .array(type(depth: depth + 1))
        case 6: return .dictionary(key: Self.basics.randomElement(using: &random)!, value: type(depth: depth + 1))
        case 7, 8: return .structure((0..<Int.random(in: 1...3, using: &random)).map { _ in type(depth: depth + 1) })
        default: return .variant
        }
    }

    public mutating func value(of type: SignatureType, depth: Int = 0) -> DBusValue {
        switch type {
        case .byte: return .byte(.random(in: .min ... .max, using: &random))
        case .boolean: return .boolean(.random(using: &random))
        case .int16: return .int16(.random(in: .min ... .max, using: &random))
        case .uint16: return .uint16(.random(in: .min ... .max, using: &random))
        case .int32: return .int32(.random(in: .min ... .max, using: &random))
        case .uint32: return .uint32(.random(in: .min ... .max, using: &random))
        case .int64: return .int64(.random(in: .min ... .max, using: &random))
        case .uint64: return .uint64(.random(in: .min ... .max, using: &random))
        case .double: return .double(Double(Int32.random(in: .min ... .max, using: &random)) / 7)
        case .string: return .string(string())
        case .objectPath:
            let elements = (0..<Int.random(in: 0...3, using: &random)).map { _ in "e\(Int.random(in: 0...99, using: &random))" }
            return .objectPath((try? ObjectPath("/" + elements.joined(separator: "/"))) ?? .root)
        case .signature:
            return .signature((try? Signature(self.type(depth: 2))) ?? .empty)
        case .unixFD: return .uint32(0)
        case .array(let element):
            return .array(element, (0..<Int.random(in: 0...3, using: &random)).map { _ in value(of: element, depth: depth + 1) })
        case .dictionary(let key, let valueType):
            let entries = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                DBusValue.DictEntry(value(of: key, depth: depth + 1), value(of: valueType, depth: depth + 1))
            }
            return .dictionary(key: key, value: valueType, entries)
        case .structure(let fields): return .structure(fields.map { value(of: $0, depth: depth + 1) })
        case .variant:
            let inner = depth >= 4 ? SignatureType.string : self.type(depth: depth + 1)
            return .variant(value(of: inner, depth: depth + 1))
        }
    }

    private mutating func string() -> String {
        let alphabet = Array("abcXYZ019 _-/.'\"<>&äöü€😀")
        return String((0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
    }

    /// A body of one to four random values.
    public mutating func body() -> [DBusValue] {
        (0..<Int.random(in: 1...4, using: &random)).map { _ in value(of: type()) }
    }
}
