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

/// What the full tool, `sonyctl-cli`, runs: every command through the parser.
/// Users run `sonyctl`, the front (SonyCLIOutput's `Front`), which answers
/// `list` itself and execs this for everything else, argv unchanged.
public enum SonyctlMain {
    public static func main() -> Never {
        Interrupts.unblock()
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
