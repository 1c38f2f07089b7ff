/// The text a data-file reader is given: `DataFile.readUTF8` refuses invalid
/// UTF-8 before any parser sees it, so the fuzzers do the same.
public func dataFileText(_ bytes: [UInt8]) -> String? {
    String(validating: bytes, as: UTF8.self)
}

/// At least the number of lines libyaml can count in `text`, which breaks lines
/// at CR, LF, NEL, LS and PS, not only at "\n".
public func lineBound(_ text: String) -> Int {
    text.unicodeScalars.count { ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains($0) } + 1
}

/// `text` as a YAML double-quoted scalar, which can spell any string.
public func doubleQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case " "..."~": out.unicodeScalars.append(scalar)
        default:
            let hex = String(scalar.value, radix: 16)
            out += "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
        }
    }
    return out + "\""
}
