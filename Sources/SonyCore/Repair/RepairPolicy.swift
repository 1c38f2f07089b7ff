/// How patient a repair is with BlueZ: the operator's settings (the config file's `repair:`).
public struct RepairPolicy: Sendable, Equatable {
    /// Tries of one stage whose failures are transient (page timeout, busy, profile
    /// not yet up), the first included.
    public var attempts: Int
    /// The pause before the first retry; it doubles for each further one.
    public var retryDelay: Duration
    /// The longest pause between two tries.
    public var maxRetryDelay: Duration
    /// How long the audio profile may take to come up once `Connect` has answered.
    public var verifyTimeout: Duration

    public init(
        attempts: Int = 4, retryDelay: Duration = .milliseconds(500), maxRetryDelay: Duration = .seconds(4),
        verifyTimeout: Duration = .seconds(15)
    ) {
        self.attempts = attempts
        self.retryDelay = retryDelay
        self.maxRetryDelay = maxRetryDelay
        self.verifyTimeout = verifyTimeout
    }

    /// The pause before try number `attempt + 1` (attempt counts from 1).
    public func delay(after attempt: Int) -> Duration {
        var delay = retryDelay
        for _ in 1..<max(attempt, 1) where delay < maxRetryDelay { delay *= 2 }
        return min(delay, maxRetryDelay)
    }
}
