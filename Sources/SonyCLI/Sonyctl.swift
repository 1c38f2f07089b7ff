import ArgumentParser
import Dispatch
import SonyCLIOutput
#if canImport(Glibc)
import Glibc
#endif

/// The root command: `sonyctl <verb>`.
struct Sonyctl: AsyncParsableCommand {
    static let version = SonyctlVersion.current

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
