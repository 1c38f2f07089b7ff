#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex with a condition variable that times out on
/// CLOCK_MONOTONIC, so that a wall-clock jump neither fires nor delays a
/// deadline. pthread rather than `Synchronization.Mutex`: ThreadSanitizer sees
/// the ordering a futex gives only through pthread's functions.
final class MonotonicCondition: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    func signal() { pthread_cond_signal(condition) }
    func broadcast() { pthread_cond_broadcast(condition) }

    /// With the lock held: sleeps until signalled, or until `deadline`
    /// (MonotonicTime nanoseconds) when there is one.
    func wait(until deadline: UInt64?) {
        if let deadline {
            var until = MonotonicTime.timespec(deadline)
            pthread_cond_timedwait(condition, mutex, &until)
        } else {
            pthread_cond_wait(condition, mutex)
        }
    }
}
