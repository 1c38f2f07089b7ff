/// The suspending clock, with sleeps that leave nothing behind when cancelled
/// (`TimerThread`): for time limits and delays that are mostly cancelled.
public struct TimerClock: Clock {
    public typealias Instant = SuspendingClock.Instant

    let thread: TimerThread

    public init() {
        thread = .shared
    }

    /// A clock with a thread of its own, for tests that count its wake-ups.
    init(thread: TimerThread) {
        self.thread = thread
    }

    public var now: Instant { SuspendingClock().now }

    public var minimumResolution: Duration { SuspendingClock().minimumResolution }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await thread.sleep(until: MonotonicTime.after(now.duration(to: deadline)))
    }
}
