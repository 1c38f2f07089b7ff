/// What counts as a pattern: the operator's thresholds (the config file's `watch:`).
///
/// Durations are in microseconds because every event the watch sees carries a wall-clock
/// time in µs since the epoch, as the history and the D-Bus properties do.
public struct WatchPolicy: Sendable, Equatable {
    /// Flapping: at least this many drops…
    public var flappingDrops: Int
    /// …within this long (DESIGN.md: 3 drops in 10 minutes).
    public var flappingWindow: Microseconds
    /// A connection that drops sooner than this is a short session.
    public var shortSession: Microseconds
    /// This many short sessions in a row make the link unstable.
    public var shortSessionsInARow: Int
    /// A drop at or below this battery percentage is a drop at low battery.
    public var lowBatteryPercent: Int
    /// A drop this soon after the system resumed from suspend is a drop after resume.
    public var resumeWindow: Microseconds
    /// How long a connection may take to bring up the audio profile before it is
    /// "connected, but no audio profile".
    public var audioProfileTimeout: Microseconds
    /// Findings of the same kind within this long escalate the advice one step.
    public var escalationWindow: Microseconds
    /// What the daemon does itself after a flapping pattern.
    public var afterFlapping: FlappingResponse

    public init(
        flappingDrops: Int = 3, flappingWindow: Microseconds = 10 * .minute, shortSession: Microseconds = .minute,
        shortSessionsInARow: Int = 3, lowBatteryPercent: Int = 15, resumeWindow: Microseconds = 2 * .minute,
        audioProfileTimeout: Microseconds = 20 * .second, escalationWindow: Microseconds = 24 * .hour,
        afterFlapping: FlappingResponse = .notify
    ) {
        self.flappingDrops = flappingDrops
        self.flappingWindow = flappingWindow
        self.shortSession = shortSession
        self.shortSessionsInARow = shortSessionsInARow
        self.lowBatteryPercent = lowBatteryPercent
        self.resumeWindow = resumeWindow
        self.audioProfileTimeout = audioProfileTimeout
        self.escalationWindow = escalationWindow
        self.afterFlapping = afterFlapping
    }
}

/// The optional policy after flapping (off by default: the daemon only says what to do).
public enum FlappingResponse: Sendable, Equatable {
    /// Signal the pattern and advise; touch nothing.
    case notify
    /// Also reconnect the headset, up to `attempts` times, pausing `delay` (doubling) between tries.
    case reconnect(attempts: Int, delay: Microseconds)
}

/// Microseconds, the unit of every time the watch handles.
public typealias Microseconds = UInt64

extension Microseconds {
    public static let second: Microseconds = 1_000_000
    public static let minute: Microseconds = 60 * second
    public static let hour: Microseconds = 60 * minute
    public static let day: Microseconds = 24 * hour
}
