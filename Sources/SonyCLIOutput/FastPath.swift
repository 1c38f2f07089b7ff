import SonyClient

/// `sonyctl list` and `sonyctl list --json` exactly, answered by the
/// `sonyctl` front itself: they are what status bars and scripts run over and
/// over, and an executable that links swift-argument-parser (and with it
/// FoundationEssentials) pays for it at every start, parser used or not: the
/// runtime's first protocol-conformance lookup reads every conformance
/// record in the image (BENCHMARKS.md). Any other word, option or `--` goes
/// to the full tool, whose `List` prints through the same `ListView`.
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
