import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// The root command: `sonyctl <verb>`.
struct Sonyctl: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "sonyctl",
        abstract: "Keeps Sony headphones and earbuds pairing cleanly with Linux (a client of sonyctld).",
        discussion: """
            A device is named by its address (any case), its name, or its model when only one device is of that model. \
            Every command takes --json: one JSON document on standard output (JSON lines for watch and repair), \
            errors included. Colour is used on a terminal only, never when NO_COLOR is set.

            EXIT STATUS
            \(ExitStatus.table)
            """,
        version: version,
        subcommands: [
            List.self, Status.self, Forget.self, Repair.self, Watch.self, History.self, Diagnose.self, Guide.self, Models.self,
        ])
}

/// What the `sonyctl` executable runs.
public enum SonyctlMain {
    public static func main() async {
        if let status = await FastPath.run(Array(CommandLine.arguments.dropFirst())) { exit(status.rawValue) }
        await Sonyctl.main()
    }
}

/// `sonyctl list` and `sonyctl list --json` exactly, run without the
/// parser: they are what status bars and scripts run over and over, and
/// swift-argument-parser's reflection over nine commands costs more memory
/// and start-up than the whole D-Bus round trip (BENCHMARKS.md). Any other
/// word, option or `--` goes through the parser as usual, to the same code.
enum FastPath {
    static func run(_ arguments: [String]) async -> ExitStatus? {
        guard arguments.first == "list", arguments.count <= 2 else { return nil }
        let json = arguments.count == 2
        if json, arguments[1] != "--json" { return nil }
        return try? await Session(json: json).execute(List.list)
    }
}
