import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Which thread serves an executor, for its isolation checks.
final class ThreadIdentity: Sendable {
    private let owner = Atomic<UInt>(0)

    /// By the serving thread, before it runs any job.
    func claim() {
        owner.store(UInt(pthread_self()), ordering: .releasing)
    }

    var isCurrent: Bool { owner.load(ordering: .acquiring) == UInt(pthread_self()) }
}
