/// What a caller asked of one repair (the `a{sv}` of `Device.Repair`, once validated).
public struct RepairOptions: Sendable, Equatable {
    /// The range DESIGN.md allows for `Timeout`, in seconds.
    public static let timeoutRange: ClosedRange<UInt32> = 1...600
    public static let defaultTimeout: UInt32 = 120

    /// How long to wait for the device to show up in pairing mode.
    public var deviceTimeout: Duration
    /// Keep BlueZ's bond and go straight to discovery and pairing.
    public var skipForget: Bool

    public init(deviceTimeout: Duration = .seconds(Self.defaultTimeout), skipForget: Bool = false) {
        self.deviceTimeout = deviceTimeout
        self.skipForget = skipForget
    }
}
