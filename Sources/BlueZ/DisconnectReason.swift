/// Why BlueZ says a device disconnected (`Device1.Disconnected`, BlueZ ≥ 5.83).
public enum DisconnectReason: String, Sendable, Hashable, CaseIterable {
    case unknown, timeout, local, remote, authentication, suspend

    /// Parses `org.bluez.Reason.Timeout` and friends; `LocalSuspend` is the
    /// name some releases use for `Suspend`. Anything else is `unknown`.
    public init(bluezName: String) {
        let suffix = bluezName.split(separator: ".").last.map(String.init) ?? ""
        switch suffix {
        case "Timeout": self = .timeout
        case "Local": self = .local
        case "Remote": self = .remote
        case "Authentication": self = .authentication
        case "Suspend", "LocalSuspend": self = .suspend
        default: self = .unknown
        }
    }
}
