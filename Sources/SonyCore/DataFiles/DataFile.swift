#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Reading the small text files the daemon and the client are configured with.
enum DataFile {
    /// The C library is enough to read one small file and report `errno` precisely
    /// ("No such file or directory", "Permission denied"); Foundation is not needed here.
    static func readUTF8(_ path: String) throws(DataFileError) -> String {
        guard let stream = fopen(path, "rb") else {
            throw DataFileError(file: path, line: 0, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(stream) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                fread(buffer.baseAddress, 1, buffer.count, stream)
            }
            bytes.append(contentsOf: chunk.prefix(count))
            if count < chunk.count { break }
        }
        if ferror(stream) != 0 {
            throw DataFileError(file: path, line: 0, reason: "cannot read: \(String(cString: strerror(errno)))")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DataFileError(file: path, line: 0, reason: "not valid UTF-8")
        }
        return text
    }
}

extension DataFile {
    /// The path with symlinks resolved, or as given when it cannot be.
    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
