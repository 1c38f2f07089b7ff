#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

extension ModelCatalogue {
    /// Reads and validates a catalogue file.
    ///
    /// Errors carry the path as given, so the message points at the file the admin named.
    public static func load(contentsOf path: String) throws(DataFileError) -> ModelCatalogue {
        let text = try DataFile.readUTF8(path)
        return try parse(yaml: text, file: path)
    }

    /// Validates catalogue text. `file` only labels the errors.
    public static func parse(yaml: String, file: String) throws(DataFileError) -> ModelCatalogue {
        try CatalogueParser(file: file).parse(yaml)
    }
}

extension ModelCatalogue {
    /// Where a build folder or an installation keeps `models.yaml`, looked for from the
    /// running binary (`argv[0]`): installed beside `bin/`, `libexec/` or `libexec/sonyctl/`, or in the
    /// package's `config/` above `.build/<triple>/<configuration>/`.
    public static func locate(near executable: String?) throws(DataFileError) -> String {
        let binary = executable.map(DataFile.realPath) ?? ""
        let dir = binary.split(separator: "/").dropLast().joined(separator: "/")
        let candidates = [
            "/\(dir)/../share/sonyctl/models.yaml",
            // sonyctl's full tool, in libexec/sonyctl/.
            "/\(dir)/../../share/sonyctl/models.yaml",
            "/\(dir)/../../config/models.yaml",
            "/\(dir)/../../../config/models.yaml",
            "/usr/share/sonyctl/models.yaml",
            "/usr/local/share/sonyctl/models.yaml",
        ]
        guard let found = candidates.first(where: { access($0, R_OK) == 0 }) else {
            throw DataFileError(file: "models.yaml", line: 0, reason: "not found (looked in \(candidates.joined(separator: ", "))); pass --catalogue")
        }
        return found
    }
}
