internal import DequeModule
internal import HeapModule

/// Jobs ready to run and jobs waiting for their time, shared by the threads
/// that serve them.
///
/// A serving thread with nothing to do sleeps on a condition variable until a
/// job arrives or the earliest deadline comes: no timer ticks and no wake-ups
/// while there is neither, which is the point of these executors
/// (libdispatch's pool, the platform default, checks on its threads every
/// second; BENCHMARKS.md). Everything is behind `changed`'s lock.
final class JobQueue: @unchecked Sendable {
    private let changed = MonotonicCondition()
    private var ready = Deque<UnownedJob>()
    private var timed = Heap<TimedJob>()
    private var arrivals: UInt64 = 0
    private var stopped = false

    func push(_ job: UnownedJob) {
        changed.lock()
        ready.append(job)
        changed.signal()
        changed.unlock()
    }

    /// Queues `job` to become ready at `deadline` (CLOCK_MONOTONIC nanoseconds).
    func push(_ job: UnownedJob, at deadline: UInt64) {
        changed.lock()
        arrivals &+= 1
        let sooner = timed.min.map { deadline < $0.deadline } ?? true
        timed.insert(TimedJob(deadline: deadline, arrival: arrivals, job: job))
        // Sleepers wait for the old earliest deadline; only a sooner one concerns them.
        if sooner { changed.broadcast() }
        changed.unlock()
    }

    /// Serves jobs on the calling thread until `stop()`.
    func serve(_ run: (UnownedJob) -> Void) {
        changed.lock()
        while !stopped {
            let now = MonotonicTime.now()
            while let next = timed.min, next.deadline <= now {
                ready.append(timed.removeMin().job)
            }
            if let job = ready.popFirst() {
                changed.unlock()
                run(job)
                changed.lock()
            } else {
                changed.wait(until: timed.min?.deadline)
            }
        }
        changed.unlock()
    }

    /// Makes every `serve` return once its current job is done; jobs left are not run.
    func stop() {
        changed.lock()
        stopped = true
        changed.broadcast()
        changed.unlock()
    }
}

struct TimedJob: Comparable {
    let deadline: UInt64
    /// Equal deadlines run in the order they were asked for.
    let arrival: UInt64
    let job: UnownedJob

    static func < (a: TimedJob, b: TimedJob) -> Bool {
        (a.deadline, a.arrival) < (b.deadline, b.arrival)
    }

    static func == (a: TimedJob, b: TimedJob) -> Bool {
        a.deadline == b.deadline && a.arrival == b.arrival
    }
}
