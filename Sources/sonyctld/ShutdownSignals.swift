import Executors
import Locking
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM and SIGINT, taken by a thread that sleeps in `sigwait` until one
/// comes: no dispatch source (whose libdispatch workers would wake the process
/// every second for good), and no handler running at an arbitrary point.
enum ShutdownSignals {
    static let signals = [SIGTERM, SIGINT]

    /// Calls `handle` on a thread of its own for each signal that arrives. Every
    /// thread of the executors (the main thread included) blocks every signal
    /// but a fault's,
    /// so none of them takes these first; one that comes before this call waits.
    static func forward(_ handle: @escaping @Sendable (Int32) -> Void) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        let waited = set
        spawnThread(named: "signals") {
            var set = waited
            while true {
                var signal: Int32 = 0
                if sigwait(&set, &signal) == 0 { handle(signal) }
            }
        }
    }
}

/// A shutdown asked for by a signal, which may come before there is anything
/// to shut down: kept until `deliver` says what shutting down is.
final class ShutdownRequest: Sendable {
    private let state = Lock<(requested: Bool, action: (@Sendable () -> Void)?)>((false, nil))

    func request() {
        let action = state.withLock { s -> (@Sendable () -> Void)? in
            s.requested = true
            return s.action
        }
        action?()
    }

    func deliver(_ action: @escaping @Sendable () -> Void) {
        let requested = state.withLock { s -> Bool in
            s.action = action
            return s.requested
        }
        if requested { action() }
    }
}
