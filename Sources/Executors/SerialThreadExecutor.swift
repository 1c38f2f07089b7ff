#if canImport(Glibc)
import Glibc
#endif

/// One thread of its own for an actor whose work blocks (SQLite's fsync), so
/// that it never holds up a thread other work needs.
public final class SerialThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let queue = JobQueue()
    private let thread = ThreadIdentity()

    public init(name: String) {
        let queue = queue, thread = thread
        spawnThread(named: name) { [self] in
            thread.claim()
            queue.serve { job in job.runSynchronously(on: self.asUnownedSerialExecutor()) }
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        queue.push(UnownedJob(job))
    }

    public func isIsolatingCurrentContext() -> Bool? {
        thread.isCurrent
    }

    public func checkIsolated() {
        precondition(thread.isCurrent, "not on \(self)'s thread")
    }
}
