public import SonyCore

/// What an operator may set in `sonyctld.yaml`. Every field has the default a
/// missing file or key gets; the parser refuses unknown keys and bad values.
public struct DaemonConfiguration: Sendable, Equatable {
    /// Without polkit on the bus, members of this group may manage devices (root always may).
    public var fallbackGroup: String?
    /// How patient a repair is with BlueZ.
    public var repair: RepairPolicy

    public init(fallbackGroup: String? = nil, repair: RepairPolicy = RepairPolicy()) {
        self.fallbackGroup = fallbackGroup
        self.repair = repair
    }
}
