/// One complete D-Bus type, as it appears in a signature.
///
/// Dictionaries are modelled as their own case rather than as an array of dict
/// entries, because a dict entry is only legal as an array element: the model
/// then cannot express the illegal placement at all.
public indirect enum SignatureType: Sendable, Hashable {
    case byte, boolean, int16, uint16, int32, uint32, int64, uint64, double
    case string, objectPath, signature, unixFD
    case array(SignatureType)
    case dictionary(key: SignatureType, value: SignatureType)
    case structure([SignatureType])
    case variant

    /// True for the types that may be dictionary keys.
    public var isBasic: Bool {
        switch self {
        case .array, .dictionary, .structure, .variant: false
        default: true
        }
    }

    /// The signature text of this single type, e.g. `a{sv}`.
    public var code: String {
        var out = ""
        append(to: &out)
        return out
    }

    func append(to out: inout String) {
        switch self {
        case .byte: out += "y"
        case .boolean: out += "b"
        case .int16: out += "n"
        case .uint16: out += "q"
        case .int32: out += "i"
        case .uint32: out += "u"
        case .int64: out += "x"
        case .uint64: out += "t"
        case .double: out += "d"
        case .string: out += "s"
        case .objectPath: out += "o"
        case .signature: out += "g"
        case .unixFD: out += "h"
        case .variant: out += "v"
        case .array(let element):
            out += "a"
            element.append(to: &out)
        case .dictionary(let key, let value):
            out += "a{"
            key.append(to: &out)
            value.append(to: &out)
            out += "}"
        case .structure(let fields):
            out += "("
            for field in fields { field.append(to: &out) }
            out += ")"
        }
    }

    /// The wire type code of the outermost type (what libdbus's iterators report).
    var wireCode: UInt8 {
        switch self {
        case .byte: UInt8(ascii: "y")
        case .boolean: UInt8(ascii: "b")
        case .int16: UInt8(ascii: "n")
        case .uint16: UInt8(ascii: "q")
        case .int32: UInt8(ascii: "i")
        case .uint32: UInt8(ascii: "u")
        case .int64: UInt8(ascii: "x")
        case .uint64: UInt8(ascii: "t")
        case .double: UInt8(ascii: "d")
        case .string: UInt8(ascii: "s")
        case .objectPath: UInt8(ascii: "o")
        case .signature: UInt8(ascii: "g")
        case .unixFD: UInt8(ascii: "h")
        case .variant: UInt8(ascii: "v")
        case .array, .dictionary: UInt8(ascii: "a")
        case .structure: UInt8(ascii: "r")
        }
    }
}

extension SignatureType: CustomStringConvertible {
    public var description: String { code }
}
