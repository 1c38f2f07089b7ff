/// A Bluetooth device address such as `AA:BB:CC:DD:EE:FF`.
///
/// Parsed strictly: addresses come from users and from the bus, and one that
/// is not six hex pairs is refused rather than guessed at.
public struct BluetoothAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            // UInt8(_:radix:) would also take a sign, as in "+F".
            guard part.count == 2, part.allSatisfy(\.isHexDigit), let byte = UInt8(part, radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.bytes = bytes
    }

    /// Upper-case and colon-separated, as BlueZ writes it.
    public var description: String {
        bytes.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return byte < 16 ? "0" + hex : hex
        }.joined(separator: ":")
    }

    /// The object-path element BlueZ uses: `dev_AA_BB_CC_DD_EE_FF`.
    public var pathElement: String { "dev_" + description.replacingColons() }

    public static func < (a: Self, b: Self) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}

extension String {
    func replacingColons() -> String { String(map { $0 == ":" ? "_" : $0 }) }
}
