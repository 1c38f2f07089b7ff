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

    /// `closed` is set by `cancelAll`: a daemon stopping starts no repair it would then abandon.
    private let state = Lock<(jobs: [ObjectPath: Job], closed: Bool)>(([:], false))
    private let executor: (any TaskExecutor)?

    init(executor: (any TaskExecutor)?) {
        self.executor = executor
    }

    /// Starts `body` as the repair of `address` on `adapter`, or answers `Busy`.
    func start(
        address: String, adapter: ObjectPath, _ body: @escaping @Sendable () async -> RepairOutcome
    ) throws(DaemonError) -> Task<RepairOutcome, Never> {
        try state.withLock { (state) throws(DaemonError) -> Task<RepairOutcome, Never> in
            if state.closed { throw DaemonError(.failed, "sonyctld is stopping") }
            if let running = state.jobs[adapter] {
                throw DaemonError(
                    .busy, "a repair of \(running.address) is already running on \(adapter.rawValue.split(separator: "/").last ?? "")")
            }
            let task = Task(executorPreference: executor) {
                let outcome = await body()
                self.state.withLock { _ = $0.jobs.removeValue(forKey: adapter) }
                return outcome
            }
            state.jobs[adapter] = Job(address: address, task: task)
            return task
        }
    }

    /// The running repair of `address`, if any.
    func task(for address: String) -> Task<RepairOutcome, Never>? {
        state.withLock { $0.jobs.values.first { $0.address == address }?.task }
    }

    /// Cancels every repair, refuses new ones, and waits until each has cleaned up.
    func cancelAll() async {
        let tasks = state.withLock { state in
            state.closed = true
            return state.jobs.values.map(\.task)
        }
        for task in tasks { task.cancel() }
        for task in tasks { _ = await task.value }
    }
}
