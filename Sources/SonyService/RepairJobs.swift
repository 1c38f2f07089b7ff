import DBus
import SonyCore
import Locking

/// The repairs running now: at most one per adapter, because discovery and
/// paging share the radio and BlueZ's discovery filter is per client.
///
/// A job runs in a task of its own, so it goes on when the caller leaves the
/// bus; only `cancel` (CancelRepair, or the daemon stopping) ends it early.
final class RepairJobs: Sendable {
    private struct Job {
        let address: String
        let task: Task<RepairOutcome, Never>
    }

    private let jobs = Lock<[ObjectPath: Job]>([:])
    /// Set by `cancelAll`: a daemon stopping starts no repair it would then abandon.
    private let closed = Lock(false)
    private let executor: (any TaskExecutor)?

    init(executor: (any TaskExecutor)?) {
        self.executor = executor
    }

    /// Starts `body` as the repair of `address` on `adapter`, or answers `Busy`.
    func start(
        address: String, adapter: ObjectPath, _ body: @escaping @Sendable () async -> RepairOutcome
    ) throws(DaemonError) -> Task<RepairOutcome, Never> {
        try jobs.withLock { (jobs) throws(DaemonError) -> Task<RepairOutcome, Never> in
            if closed.withLock({ $0 }) { throw DaemonError(.failed, "sonyctld is stopping") }
            if let running = jobs[adapter] {
                throw DaemonError(
                    .busy, "a repair of \(running.address) is already running on \(adapter.rawValue.split(separator: "/").last ?? "")")
            }
            let task = Task(executorPreference: executor) {
                let outcome = await body()
                self.jobs.withLock { _ = $0.removeValue(forKey: adapter) }
                return outcome
            }
            jobs[adapter] = Job(address: address, task: task)
            return task
        }
    }

    /// The running repair of `address`, if any.
    func task(for address: String) -> Task<RepairOutcome, Never>? {
        jobs.withLock { $0.values.first { $0.address == address }?.task }
    }

    /// Cancels every repair, refuses new ones, and waits until each has cleaned up.
    func cancelAll() async {
        let tasks = jobs.withLock { jobs in
            closed.withLock { $0 = true }
            return jobs.values.map(\.task)
        }
        for task in tasks { task.cancel() }
        for task in tasks { _ = await task.value }
    }
}
