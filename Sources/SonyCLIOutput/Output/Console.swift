#if canImport(Glibc)
import Glibc
#endif

/// Writing to standard output and standard error.
///
/// Lines on standard output are flushed one by one: `watch` and `repair`
/// are read line by line by scripts through a pipe, where the C library
/// would otherwise hold them back in its buffer.
package enum Console {
    package static func out(_ line: String) {
        print(line)
        fflush(nil)
    }

    /// Text as it is, with no newline added: for a line rewritten in place.
    package static func outRaw(_ text: String) {
        print(text, terminator: "")
        fflush(nil)
    }

    package static func err(_ line: String) {
        write(2, line + "\n")
    }

    /// A question on standard error, so that standard output stays the answer's.
    package static func ask(_ question: String) -> String {
        write(2, question)
        return Swift.readLine()?.lowercased() ?? ""
    }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}
