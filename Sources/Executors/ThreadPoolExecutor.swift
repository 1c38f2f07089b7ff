@_spi(ExperimentalScheduling) public import _Concurrency
#if canImport(Glibc)
import Glibc
#endif

/// The default executor of a process that must stay silent at rest: a fixed
/// number of threads serving one queue, each asleep until there is work or a
/// deadline (`Task.sleep`) is due.
@_spi(QuietExecutors) public final class ThreadPoolExecutor: TaskExecutor, SchedulingExecutor, @unchecked Sendable {
    private let queue = JobQueue()

    public init(name: String, threads: Int) {
        let queue = queue
        for _ in 0..<max(1, threads) {
            spawnThread(named: name) { [self] in
                queue.serve { job in job.runSynchronously(on: self.asUnownedTaskExecutor()) }
            }
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        queue.push(UnownedJob(job))
    }

    public func enqueue<C: Clock>(_ job: consuming ExecutorJob, after delay: C.Duration, tolerance: C.Duration?, clock: C) {
        queue.push(UnownedJob(job), at: MonotonicTime.after(delay))
    }
}
