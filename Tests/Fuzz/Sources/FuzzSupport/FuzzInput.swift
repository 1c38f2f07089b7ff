/// The fuzzer's bytes read as a sequence of choices, for targets whose input has
/// structure (a list of signals, a set of device facts) rather than a wire format.
///
/// Running out of bytes is not an error: every read then returns its smallest
/// choice, so any byte string is a complete, valid program of choices and
/// libFuzzer's mutations always mean something.
public struct FuzzInput {
    private let bytes: [UInt8]
    private var index = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isEmpty: Bool { index >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    /// A number in `0..<count` (0 for an empty range).
    public mutating func below(_ count: Int) -> Int {
        guard count > 1 else { return 0 }
        return count <= 256 ? Int(byte()) % count : Int(uint16()) % count
    }

    public mutating func bool() -> Bool { byte() & 1 == 1 }

    public mutating func uint16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    public mutating func uint32() -> UInt32 { UInt32(uint16()) << 16 | UInt32(uint16()) }

    public mutating func uint64() -> UInt64 { UInt64(uint32()) << 32 | UInt64(uint32()) }

    public mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }

    /// Up to `limit` raw bytes, the count first.
    public mutating func bytes(upTo limit: Int) -> [UInt8] {
        (0..<below(limit + 1)).map { _ in byte() }
    }

    /// Text that D-Bus can carry: valid UTF-8 (invalid sequences repaired) without NUL.
    public mutating func text(upTo limit: Int) -> String {
        String(decoding: bytes(upTo: limit).map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }
}
