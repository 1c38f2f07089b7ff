#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC in nanoseconds, the one clock the queues' deadlines use.
enum MonotonicTime {
    static func now() -> UInt64 {
        var t = Glibc.timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    /// `now()` plus `delay`, when it is a `Duration` (the continuous and suspending
    /// clocks' is); any other clock's delay is taken as none. A suspend makes a
    /// continuous-clock deadline late by the time asleep, never early.
    static func after<D: DurationProtocol>(_ delay: D) -> UInt64 {
        guard let delay = delay as? Duration, delay > .zero else { return now() }
        let (seconds, attoseconds) = delay.components
        let nanoseconds = UInt64(clamping: seconds).multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow else { return .max }
        let sum = now().addingReportingOverflow(nanoseconds.partialValue &+ UInt64(attoseconds / 1_000_000_000))
        return sum.overflow ? .max : sum.partialValue
    }

    static func timespec(_ nanoseconds: UInt64) -> Glibc.timespec {
        Glibc.timespec(tv_sec: Int(clamping: nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    }
}
