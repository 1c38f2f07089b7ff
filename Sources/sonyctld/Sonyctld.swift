import ArgumentParser
import DBus
import SonyCore
import SonyService

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
        let path: String
        do {
            path = try catalogue ?? ModelCatalogue.locate()
        } catch {
            throw ValidationError("no catalogue: \(error); pass --catalogue")
        }
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
}
