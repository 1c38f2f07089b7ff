import Foundation

/// Reads a line a child process prints, giving up at a deadline instead of
/// blocking a test forever on a child that never speaks.
public enum LineReader {
    public static func readLine(from fd: Int32, within limit: Duration) throws -> String? {
        let deadline = ContinuousClock.now + limit
        var buffer: [UInt8] = []
        while ContinuousClock.now < deadline {
            let remaining = deadline - ContinuousClock.now
            let ms = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000)
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, max(ms, 1))
            if ready < 0 && errno != EINTR { throw TestSupportError("poll failed: errno \(errno)") }
            guard ready > 0 else { continue }
            var byte: UInt8 = 0
            let n = read(fd, &byte, 1)
            if n <= 0 { return buffer.isEmpty ? nil : String(decoding: buffer, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: buffer, as: UTF8.self) }
            buffer.append(byte)
        }
        return nil
    }
}

extension LineReader {
    /// Waits for a line containing `text` on a thread of its own, so that a child that
    /// is slow to speak never holds one of the cooperative pool's threads.
    public static func waitForLine(containing text: String, from fd: Int32, within limit: Duration) async throws {
        let found: Result<Bool, any Error> = await withCheckedContinuation { continuation in
            Thread {
                let deadline = ContinuousClock.now + limit
                continuation.resume(returning: Result {
                    while ContinuousClock.now < deadline, let line = try readLine(from: fd, within: deadline - ContinuousClock.now) {
                        if line.contains(text) { return true }
                    }
                    return false
                })
            }.start()
        }
        guard try found.get() else { throw TestSupportError("no line with \"\(text)\" within \(limit)") }
    }
}
