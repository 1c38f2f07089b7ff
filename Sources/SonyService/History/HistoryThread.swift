import Executors

/// The one thread SQLite works on, for every history store of the process.
///
/// GRDB's `async` API runs on a libdispatch queue, and a libdispatch worker,
/// once started, wakes the process every second for good; its synchronous API
/// runs on the caller's thread. This gives that caller a thread of its own, so
/// that an fsync (`synchronous=FULL`) never holds up the bus.
actor HistoryThread {
    static let shared = HistoryThread()

    private let executor = SerialThreadExecutor(name: "history-sqlite")

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Runs `body` on the history thread. Not cancellable once asked for: whatever
    /// asked (a repair cancelled by SIGTERM) still gets its ending recorded.
    func run<T: Sendable>(_ body: @Sendable () throws -> T) throws -> T {
        try body()
    }
}
