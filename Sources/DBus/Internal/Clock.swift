#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in nanoseconds, the unit the event loop schedules in.
enum MonotonicClock {
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func deadline(after duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return now() }
        let ns = UInt64(clamping: seconds).multipliedReportingOverflow(by: 1_000_000_000)
        guard !ns.overflow else { return .max }
        let (sum, overflow) = now().addingReportingOverflow(ns.partialValue + UInt64(attoseconds / 1_000_000_000))
        return overflow ? .max : sum
    }
}
