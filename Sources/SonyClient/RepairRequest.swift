public import DBus

/// The options of one `Device.Repair` call.
public struct RepairRequest: Sendable, Equatable {
    /// Seconds to wait for the device in pairing mode (1–600); nil: the daemon's default.
    public var timeout: UInt32?
    /// Keep BlueZ's bond and go straight to discovery and pairing.
    public var skipForget: Bool

    public static let timeoutRange: ClosedRange<UInt32> = 1...600

    public init(timeout: UInt32? = nil, skipForget: Bool = false) {
        self.timeout = timeout
        self.skipForget = skipForget
    }

    /// The `a{sv}` the daemon reads; options left at their defaults are not sent.
    public var options: [String: Variant] {
        var options: [String: Variant] = [:]
        if let timeout { options["Timeout"] = Variant(timeout) }
        if skipForget { options["SkipForget"] = Variant(true) }
        return options
    }

    /// How long the call may take: the wait for the device, plus forgetting,
    /// pairing with retries, verifying and a polkit dialog, generously.
    public var callTimeout: Duration {
        .seconds(Int(timeout ?? 120) + 900)
    }
}
