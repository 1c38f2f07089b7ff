/// The reset tiers the reference articles describe, mildest first.
///
/// The order is the order advice escalates in (DESIGN.md: "from the mildest step up"), so
/// `Comparable` follows declaration order: `.soft < .network < .factory < .recovery`.
/// The raw values are the keys used in `config/models.yaml`.
public enum ResetTier: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Restarts the headset; settings survive.
    case soft
    /// Clears the headset's pairings; `sonyctl repair` does the host's half.
    case network
    /// Erases user data on the headset.
    case factory
    /// Reinstalls firmware; the last resort.
    case recovery

    private var severity: Int {
        switch self {
        case .soft: 0
        case .network: 1
        case .factory: 2
        case .recovery: 3
        }
    }

    public static func < (lhs: ResetTier, rhs: ResetTier) -> Bool {
        lhs.severity < rhs.severity
    }
}
