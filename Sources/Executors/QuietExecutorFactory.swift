@_spi(ExperimentalCustomExecutors) public import _Concurrency

/// The executors of a daemon that must make no wake-ups at rest, for
/// `typealias DefaultExecutorFactory = QuietExecutorFactory` in its main module.
///
/// Swift's platform executors on Linux are libdispatch's, whose worker pool,
/// once started, runs a monitor every second for as long as the process lives
/// (`_dispatch_workq_monitor_pools`). These run the same jobs on threads that
/// only wake for work or a deadline. Two pool threads: the daemon's own work
/// runs on its D-Bus connection's thread, so the pool only has to keep
/// going while one of its jobs is busy.
@_spi(QuietExecutors) public struct QuietExecutorFactory: ExecutorFactory {
    static let main = MainThreadExecutor()
    static let pool = ThreadPoolExecutor(name: "swift-pool", threads: 2)

    public static var mainExecutor: any MainExecutor { main }
    public static var defaultExecutor: any TaskExecutor { pool }
}
