import Locking

/// The connection's thread as a task executor.
///
/// A task that prefers it (`withTaskExecutorPreference(connection.executor)`)
/// runs its code on the loop thread between I/O: a reply resumes the waiting
/// task right there, with no wake-up of another thread. That is how a call
/// round trip costs what it costs in C. Jobs must be short and never block,
/// since the connection does no I/O while one runs.
extension EventLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let accepted = jobs.withLock { queue -> Bool in
            guard queue.open else { return false }
            queue.jobs.append(job)
            return true
        }
        if accepted {
            wake()
        } else {
            // The loop has ended; whatever still prefers it runs on the global pool.
            globalConcurrentExecutor.enqueue(job)
        }
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// Runs queued jobs until none are left; they may enqueue more.
    func runJobs() {
        while true {
            let batch = jobs.withLock { queue -> [UnownedJob] in
                defer { queue.jobs.removeAll(keepingCapacity: true) }
                return queue.jobs
            }
            guard !batch.isEmpty else { return }
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }

    var hasJobs: Bool { jobs.withLock { !$0.jobs.isEmpty } }

    /// Stops taking jobs and hands those still queued to the global pool, so no
    /// task waits forever on a thread that is gone.
    func closeJobs() {
        let left = jobs.withLock { queue -> [UnownedJob] in
            queue.open = false
            defer { queue.jobs = [] }
            return queue.jobs
        }
        for job in left { globalConcurrentExecutor.enqueue(job) }
    }
}

/// Jobs waiting for the loop thread.
struct JobQueue {
    var jobs: [UnownedJob] = []
    var open = true
}
