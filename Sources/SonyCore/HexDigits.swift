/// Hex formatting and parsing for product ids, without Foundation's `String(format:)`.
enum HexDigits {
    /// `0x0D58` → `"0D58"`.
    static func four(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Exactly four hex digits, either case; anything else (signs, `0x`, spaces) is `nil`.
    /// `UInt16(_:radix:)` alone would accept a leading `+`, which no Modalias contains.
    static func parseFour<S: StringProtocol>(_ text: S) -> UInt16? {
        guard text.utf8.count == 4, text.utf8.allSatisfy(isHexDigit) else { return nil }
        return UInt16(text, radix: 16)
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "a")...UInt8(ascii: "f"),
             UInt8(ascii: "A")...UInt8(ascii: "F"):
            true
        default:
            false
        }
    }
}
