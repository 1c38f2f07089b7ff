/// Something the daemon saw happen to one device, as the watch needs to know it.
public enum WatchObservation: Sendable, Equatable {
    /// The link came up (BlueZ `Connected` became true).
    case connected(at: Microseconds)
    /// The link went down (BlueZ `Connected` became false). `deliberate` when this
    /// computer took it down on purpose (a forget, a repair, a user's disconnect).
    case disconnected(at: Microseconds, reason: DropReason, battery: Int?, deliberate: Bool)
    /// Services were resolved; `audio` when the A2DP sink is among them.
    case servicesResolved(at: Microseconds, audio: Bool)
    /// Connected for `audioProfileTimeout` without the audio profile coming up.
    case audioProfileMissing(at: Microseconds)
    case battery(at: Microseconds, percent: Int)
    /// Pairing or connecting failed because the keys do not match (`key-missing`,
    /// authentication failures).
    case authenticationFailed(at: Microseconds)
    /// The computer resumed from suspend.
    case resumed(at: Microseconds)
    /// A repair succeeded: bond, trust and audio are fresh.
    case repaired(at: Microseconds)
}

/// Why a link went down, as BlueZ ≥ 5.83 says it (`unknown` otherwise).
public enum DropReason: String, Sendable, Hashable, CaseIterable {
    case unknown, timeout, local, remote, authentication, suspend

    /// Local and suspend drops are this computer's own doing, not the headset's trouble.
    public var isHostInitiated: Bool { self == .local || self == .suspend }
}
