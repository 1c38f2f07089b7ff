#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

/// Where the watch and the history take "now" from; tests inject their own.
public protocol WallClock: Sendable {
    /// Microseconds since the epoch.
    func now() -> Microseconds
}

/// The system's real-time clock, which may jump (NTP, a user setting the time): the
/// watch copes with that rather than this clock hiding it.
public struct SystemWallClock: WallClock {
    public init() {}

    public func now() -> Microseconds {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Microseconds(max(0, spec.tv_sec)) * .second + Microseconds(max(0, spec.tv_nsec) / 1000)
    }
}
