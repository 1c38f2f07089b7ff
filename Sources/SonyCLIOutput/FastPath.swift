import SonyClient

/// `sonyctl list` and `sonyctl list --json` exactly, run without the
/// parser: they are what status bars and scripts run over and over, and
/// swift-argument-parser's reflection over nine commands costs more memory
/// and start-up than the whole D-Bus round trip (BENCHMARKS.md). Any other
/// word, option or `--` goes through the parser as usual, to the same
/// `ListView`.
package enum FastPath {
    /// Whether to print JSON, when the arguments are one of the two forms.
    package static func listJSON(_ arguments: [String]) -> Bool? {
        // Element by element: comparing whole arrays makes the runtime look up
        // Array's Equatable conformance, a cost on this path of all paths.
        guard arguments.first == "list" else { return nil }
        switch arguments.count {
        case 1: return false
        case 2: return arguments[1] == "--json" ? true : nil
        default: return nil
        }
    }

    /// Blocking calls on this thread: no concurrency runtime, thread pool or
    /// connection thread is started (each costs start-up time and memory).
    package static func list(json: Bool) -> ExitStatus {
        let session = Session(json: json)
        do {
            let (devices, manager) = try SonyClient.overview(on: SonyClient.blockingSystemBus())
            return ListView.show(devices, manager, session)
        } catch {
            let failure = Failure(error)
            session.report(failure)
            return failure.status
        }
    }
}
