#if canImport(Glibc)
import Glibc
#endif

/// The signals an executor thread leaves to others: all but the synchronous
/// ones a fault raises on the faulting thread itself, which must stay
/// deliverable for the crash to be reported (a blocked SIGSEGV kills silently).
enum SignalMask {
    static let faults = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT, SIGSYS]

    /// Blocks every other signal on the calling thread; returns the mask before.
    @discardableResult
    static func blockProcessSignals() -> sigset_t {
        var set = sigset_t()
        sigfillset(&set)
        for fault in faults { sigdelset(&set, fault) }
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &set, &previous)
        return previous
    }
}
