#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

extension ModelCatalogue {
    /// Reads and validates a catalogue file.
    ///
    /// Errors carry the path as given, so the message points at the file the admin named.
    public static func load(contentsOf path: String) throws(CatalogueError) -> ModelCatalogue {
        let text = try readUTF8(path)
        return try parse(yaml: text, file: path)
    }

    /// Validates catalogue text. `file` only labels the errors.
    public static func parse(yaml: String, file: String) throws(CatalogueError) -> ModelCatalogue {
        try CatalogueParser(file: file).parse(yaml)
    }

    /// The C library is enough to read one small file and report `errno` precisely
    /// ("No such file or directory", "Permission denied"); Foundation is not needed here.
    private static func readUTF8(_ path: String) throws(CatalogueError) -> String {
        guard let stream = fopen(path, "rb") else {
            throw CatalogueError(file: path, line: 0, reason: "cannot open: \(String(cString: strerror(errno)))")
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
            throw CatalogueError(file: path, line: 0, reason: "cannot read: \(String(cString: strerror(errno)))")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CatalogueError(file: path, line: 0, reason: "not valid UTF-8")
        }
        return text
    }
}
