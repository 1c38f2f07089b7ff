#if canImport(Glibc)
import Glibc
#endif

/// A value behind a `pthread_mutex_t`: `Synchronization.Mutex`'s interface, over a
/// lock ThreadSanitizer can see.
///
/// Why not `Mutex` itself: on Linux it is a bare futex, and TSan, which sees
/// synchronisation only through the pthread calls it intercepts, then reports
/// every value handed from one thread to another under it as a data race. With
/// those false reports no real race could be told from them. The price is one
/// allocation per lock and a libc call per `withLock` (about 15 ns against 7 ns,
/// uncontended): tenths of a microsecond on a D-Bus call of 50–100 µs, within
/// `scripts/bench-dbus.sh`'s noise (RELIABILITY.md, "Sanitizers").
///
/// The mutex and the value share one heap allocation that never moves, so the
/// mutex has the fixed address pthreads require. A copy of a `Lock` is the same lock.
public struct Lock<Value>: @unchecked Sendable {
    private final class Storage: ManagedBuffer<Value, pthread_mutex_t> {
        // ManagedBuffer destroys the header (the value) itself; the element,
        // the mutex, is ours.
        deinit { _ = withUnsafeMutablePointerToElements { pthread_mutex_destroy($0) } }
    }

    private let storage: Storage

    /// `sending`, as `Mutex`'s: the value is reachable through the lock alone,
    /// which is what makes the lock `Sendable` whatever `Value` is.
    public init(_ initialValue: sending Value) {
        storage = unsafeDowncast(Storage.create(minimumCapacity: 1) { _ in initialValue }, to: Storage.self)
        storage.withUnsafeMutablePointerToElements { mutex in
            mutex.initialize(to: pthread_mutex_t())
            pthread_mutex_init(mutex, nil)
        }
    }

    /// Runs `body` with the value, holding the lock. Not reentrant.
    public func withLock<Result, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        // The region checker cannot know that the lock makes `value` this
        // caller's alone while `body` runs; `Mutex` says the same with its own unsafe cell.
        nonisolated(unsafe) let (value, mutex) = storage.withUnsafeMutablePointers { ($0, $1) }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}
