/// The `Health` property of a device: the most serious pattern still in force.
public enum Health: String, Sendable, Hashable, CaseIterable {
    case ok
    case flapping
    case unstable
    case staleBond = "stale-bond"
    case lowBattery = "low-battery"
    case noAudioProfile = "no-audio-profile"
    /// Nothing observed yet.
    case unknown
}
