import ArgumentParser
import DBus
import SonyCore
import SonyService
#if canImport(Glibc)
import Glibc
#endif

/// sonyctld: wires the system bus, the catalogue and the daemon together.
@main
struct Sonyctld: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sonyctld",
        abstract: "Looks after the pairing life of Sony headphones through BlueZ (org.sonyctl.Daemon1).")

    @Option(help: "The model catalogue; default: next to the binary, then the installed one.")
    var catalogue: String?

    @Option(help: "Without polkit on the bus, members of this group may forget and repair devices.")
    var fallbackGroup: String?

    func run() async throws {
        let path = try catalogue ?? Self.findCatalogue()
        let models: ModelCatalogue
        do {
            models = try ModelCatalogue.load(contentsOf: path)
        } catch {
            // A broken catalogue is refused, with its file and line, rather than guessed at.
            throw ValidationError("\(error)")
        }
        let connection = try Connection.system()
        let daemon = SonyDaemon(connection: connection, catalogue: models, fallbackGroup: fallbackGroup)
        try await withTaskExecutorPreference(connection.executor) {
            try await daemon.run()
        }
    }

    /// Where a build folder or an installation keeps `models.yaml`.
    static func findCatalogue() throws -> String {
        let binary = CommandLine.arguments.first.map(realPath) ?? ""
        let dir = binary.split(separator: "/").dropLast().joined(separator: "/")
        let candidates = [
            "/\(dir)/../share/sonyctl/models.yaml",
            "/\(dir)/../../config/models.yaml",
            "/\(dir)/../../../config/models.yaml",
            "/usr/share/sonyctl/models.yaml",
            "/usr/local/share/sonyctl/models.yaml",
        ]
        guard let found = candidates.first(where: { access($0, R_OK) == 0 }) else {
            throw ValidationError("no models.yaml found (looked in \(candidates.joined(separator: ", "))); pass --catalogue")
        }
        return found
    }

    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
