/// Splits bytes into D-Bus messages as they follow each other on a socket (what
/// `dbus-monitor --binary` writes), from the lengths in each fixed header.
///
/// A header too short, of an unknown byte order or claiming more than is left
/// ends the stream; the message parser judges everything else.
public enum WireStream {
    public static func messages(in bytes: [UInt8]) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var start = 0
        while let length = length(of: bytes, at: start) {
            messages.append(Array(bytes[start..<start + length]))
            start += length
        }
        return messages
    }

    /// 16 bytes of fixed header, then the header fields' array padded to 8, then the body.
    private static func length(of bytes: [UInt8], at start: Int) -> Int? {
        guard bytes.count - start >= 16 else { return nil }
        let little: Bool
        switch bytes[start] {
        case UInt8(ascii: "l"): little = true
        case UInt8(ascii: "B"): little = false
        default: return nil
        }
        func uint32(_ offset: Int) -> Int {
            let b = bytes[(start + offset)..<(start + offset + 4)].map(Int.init)
            return little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
        }
        let fields = uint32(12)
        let length = 16 + (fields + 7) / 8 * 8 + uint32(4)
        guard length <= bytes.count - start else { return nil }
        return length
    }
}
