import CLibDBus
import DBus
import FuzzSupport

/// Signature text from anywhere (a message's header, a variant, a user): our
/// parser must agree with libdbus's validator on every string, since a signature
/// we accept and libdbus refuses would abort the process inside libdbus the
/// moment a value of it is appended.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSignature(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    check(String(decoding: fuzzBytes(data, size), as: UTF8.self))
    return 0
}

func check(_ text: String) {
    let parsed: Signature?
    var refusal: SignatureError?
    do {
        parsed = try Signature(text)
    } catch {
        parsed = nil
        refusal = error
    }
    // A C string ends at the first NUL, so libdbus would judge a shorter text.
    if !text.utf8.contains(0) {
        let libdbus = dbus_signature_validate(text, nil) != 0
        invariant(parsed == nil || libdbus, "\"\(text)\": we accept it, libdbus does not")
        // libdbus counts only arrays directly inside arrays (a struct between them
        // starts the count again), while we hold every path to the specification's
        // 32 arrays and 32 structs: refusing more is safe; refusing for another
        // reason would lose messages libdbus delivers.
        invariant(parsed != nil || !libdbus || refusal?.reason.hasPrefix("more than") == true,
                  "\"\(text)\": libdbus accepts it, we refuse it: \(refusal?.reason ?? "")")
    }
    guard let signature = parsed else { return }

    invariant(signature.rawValue == text, "rawValue \"\(signature.rawValue)\" for \"\(text)\"")
    invariant(signature.types.map(\.code).joined() == text, "types \(signature.types) spell another text than \"\(text)\"")
    invariant((try? Signature(types: signature.types)) == signature, "\"\(text)\" does not rebuild from its types")
    invariant(text.utf8.count <= Signature.maxLength, "\"\(text)\" is longer than the limit")
    for type in signature.types {
        invariant(dbus_signature_validate_single(type.code, nil) != 0, "libdbus: \"\(type.code)\" is not one complete type")
        invariant(depth(of: type, arrays: 0, structs: 0), "\"\(type.code)\" breaks a nesting rule")
    }
}

/// The specification's rules that the type model can express but must not hold.
func depth(of type: SignatureType, arrays: Int, structs: Int) -> Bool {
    guard arrays <= Signature.maxArrayDepth, structs <= Signature.maxStructDepth else { return false }
    switch type {
    case .array(let element): return depth(of: element, arrays: arrays + 1, structs: structs)
    case .dictionary(let key, let value):
        return key.isBasic && depth(of: key, arrays: arrays + 1, structs: structs) && depth(of: value, arrays: arrays + 1, structs: structs)
    case .structure(let fields):
        return !fields.isEmpty && fields.allSatisfy { depth(of: $0, arrays: arrays, structs: structs + 1) }
    default: return true
    }
}
