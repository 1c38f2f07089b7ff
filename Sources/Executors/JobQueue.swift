internal import DequeModule
internal import HeapModule
#if canImport(Glibc)
import Glibc
#endif

/// Jobs ready to run and jobs waiting for their time, shared by the threads
/// that serve them.
///
/// A serving thread with nothing to do sleeps on a condition variable until a
/// job arrives or the earliest deadline comes: no timer ticks and no wake-ups
/// while there is neither, which is the point of these executors
/// (libdispatch's pool, the platform default, checks on its threads every
/// second; BENCHMARKS.md). Everything is behind `lock`, a pthread mutex so that
/// ThreadSanitizer sees the ordering.
final class JobQueue: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var ready = Deque<UnownedJob>()
    private var timed = Heap<TimedJob>()
    private var arrivals: UInt64 = 0
    private var stopped = false

    init() {
        pthread_mutex_init(lock, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // Deadlines are CLOCK_MONOTONIC: a wall-clock jump must not fire or delay them.
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(changed, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(lock)
        changed.deallocate()
        lock.deallocate()
    }

    func push(_ job: UnownedJob) {
        pthread_mutex_lock(lock)
        ready.append(job)
        pthread_cond_signal(changed)
        pthread_mutex_unlock(lock)
    }

    /// Queues `job` to become ready at `deadline` (CLOCK_MONOTONIC nanoseconds).
    func push(_ job: UnownedJob, at deadline: UInt64) {
        pthread_mutex_lock(lock)
        arrivals &+= 1
        let sooner = timed.min.map { deadline < $0.deadline } ?? true
        timed.insert(TimedJob(deadline: deadline, arrival: arrivals, job: job))
        // Sleepers wait for the old earliest deadline; only a sooner one concerns them.
        if sooner { pthread_cond_broadcast(changed) }
        pthread_mutex_unlock(lock)
    }

    /// Serves jobs on the calling thread until `stop()`.
    func serve(_ run: (UnownedJob) -> Void) {
        pthread_mutex_lock(lock)
        while !stopped {
            let now = MonotonicTime.now()
            while let next = timed.min, next.deadline <= now {
                ready.append(timed.removeMin().job)
            }
            if let job = ready.popFirst() {
                pthread_mutex_unlock(lock)
                run(job)
                pthread_mutex_lock(lock)
            } else if let next = timed.min {
                var until = MonotonicTime.timespec(next.deadline)
                pthread_cond_timedwait(changed, lock, &until)
            } else {
                pthread_cond_wait(changed, lock)
            }
        }
        pthread_mutex_unlock(lock)
    }

    /// Makes every `serve` return once its current job is done; jobs left are not run.
    func stop() {
        pthread_mutex_lock(lock)
        stopped = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
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
