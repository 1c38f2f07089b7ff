/// The disconnect patterns the watch recognises: the `kind` of `DisconnectPattern` and
/// of a `pattern` history event.
public enum PatternKind: String, Sendable, Hashable, CaseIterable {
    /// Many drops in a short window.
    case flapping
    /// Connections that repeatedly last under a minute.
    case shortSessions = "short-sessions"
    /// Drops while the battery is low.
    case lowBattery = "low-battery"
    /// The headset no longer has the key BlueZ holds (it was reset or paired elsewhere).
    case staleBond = "stale-bond"
    /// Connected, but the audio profile never came up.
    case noAudioProfile = "no-audio-profile"
    /// Drops right after the computer resumed from suspend.
    case afterResume = "after-resume"
}

/// A pattern the watch has just recognised.
public struct PatternFinding: Sendable, Equatable {
    public let kind: PatternKind
    /// How many events make it up (drops in the window, short sessions in a row, …).
    public let count: Int
    /// The window the count is over, in seconds (0 when the pattern has none).
    public let windowSeconds: Int
    /// Earlier findings of this kind within the escalation window: 0 the first time.
    public let repeats: Int
    public let at: Microseconds

    public init(kind: PatternKind, count: Int, windowSeconds: Int, repeats: Int, at: Microseconds) {
        self.kind = kind
        self.count = count
        self.windowSeconds = windowSeconds
        self.repeats = repeats
        self.at = at
    }
}
