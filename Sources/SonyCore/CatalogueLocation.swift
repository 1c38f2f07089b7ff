#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

extension ModelCatalogue {
    /// Where `models.yaml` may be for a program at `executable`, in the order
    /// they are tried: an installation's `share/` beside its `bin/` or
    /// `libexec/`, a build folder inside the source tree (`.build/debug/…` and
    /// `.build/<triple>/debug/…`), then the distributions' usual places.
    public static func candidateLocations(forExecutable executable: String) -> [String] {
        let dir = executable.split(separator: "/", omittingEmptySubsequences: true).dropLast().joined(separator: "/")
        return [
            "/\(dir)/../share/sonyctl/models.yaml",
            "/\(dir)/../../config/models.yaml",
            "/\(dir)/../../../config/models.yaml",
            "/usr/share/sonyctl/models.yaml",
            "/usr/local/share/sonyctl/models.yaml",
        ]
    }

    /// The first readable catalogue for the running program, or an error
    /// listing every place looked at.
    ///
    /// The program is found through `/proc/self/exe`: `argv[0]` is only a
    /// bare name when the program was started from `PATH`.
    public static func locate() throws(CatalogueError) -> String {
        let candidates = candidateLocations(forExecutable: runningExecutable())
        guard let found = candidates.first(where: { access($0, R_OK) == 0 }) else {
            throw CatalogueError(
                file: "models.yaml", line: 0,
                reason: "not found (looked in \(candidates.joined(separator: ", ")))")
        }
        return found
    }

    static func runningExecutable() -> String {
        for path in ["/proc/self/exe", CommandLine.arguments.first ?? ""] where !path.isEmpty {
            if let resolved = realpath(path, nil) {
                defer { free(resolved) }
                return String(cString: resolved)
            }
        }
        return CommandLine.arguments.first ?? ""
    }
}
