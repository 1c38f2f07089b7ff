@_spi(ExperimentalCustomExecutors) @_spi(ExperimentalScheduling) public import _Concurrency

/// The main actor's executor: the jobs of `async` main run on the main thread,
/// which sleeps between them (libdispatch's main queue would hand them to its
/// pool instead).
@_spi(QuietExecutors) public final class MainThreadExecutor: MainExecutor, SchedulingExecutor, @unchecked Sendable {
    private let queue = JobQueue()
    private let thread = ThreadIdentity()

    public init() {}

    /// Serves jobs on the calling thread (the main thread) until `stop()`. Blocks
    /// every signal but a fault's on it first, as on the other executors' threads: a process
    /// signal waits for whoever `sigwait`s for it rather than landing in a job.
    public func run() throws {
        SignalMask.blockProcessSignals()
        thread.claim()
        queue.serve { job in job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    public func stop() {
        queue.stop()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        queue.push(UnownedJob(job))
    }

    public func enqueue<C: Clock>(_ job: consuming ExecutorJob, after delay: C.Duration, tolerance: C.Duration?, clock: C) {
        queue.push(UnownedJob(job), at: MonotonicTime.after(delay))
    }

    public func isIsolatingCurrentContext() -> Bool? {
        thread.isCurrent
    }
}
