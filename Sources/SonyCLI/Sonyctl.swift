import ArgumentParser
import DBus
import Dispatch
import SonyClient
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
    /// Synchronous on purpose: the fast path makes blocking calls on this
    /// thread and never starts the concurrency runtime, a thread pool or a
    /// connection thread (each costs start-up time and memory).
    public static func main() -> Never {
        Interrupts.unblock()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let json = FastPath.listJSON(arguments) { exit(FastPath.list(json: json).rawValue) }
        block { await Sonyctl.main() }
        exit(0)
    }
}

/// Runs `body` to its end while this thread waits.
func block(_ body: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        await body()
        done.signal()
    }
    done.wait()
}

/// `sonyctl list` and `sonyctl list --json` exactly, run without the
/// parser: they are what status bars and scripts run over and over, and
/// swift-argument-parser's reflection over nine commands costs more memory
/// and start-up than the whole D-Bus round trip (BENCHMARKS.md). Any other
/// word, option or `--` goes through the parser as usual, to the same code.
enum FastPath {
    /// Whether to print JSON, when the arguments are one of the two forms.
    static func listJSON(_ arguments: [String]) -> Bool? {
        // Element by element: comparing whole arrays makes the runtime look up
        // Array's Equatable conformance, a cost on this path of all paths.
        guard arguments.first == "list" else { return nil }
        switch arguments.count {
        case 1: return false
        case 2: return arguments[1] == "--json" ? true : nil
        default: return nil
        }
    }

    static func list(json: Bool) -> ExitStatus {
        let session = Session(json: json)
        do {
            let (devices, manager) = try SonyClient.overview(on: SonyClient.blockingSystemBus())
            return List.show(devices, manager, session)
        } catch {
            let failure = Failure(error)
            session.report(failure)
            return failure.status
        }
    }
}
