/// One entry of a device's persistent history, as `GetHistory` returns it: when, what,
/// and whatever was known at the time. Absent fields were not known.
public struct HistoryEvent: Sendable, Equatable {
    public var time: Microseconds
    /// The device, upper case (`AA:BB:CC:DD:EE:FF`).
    public var address: String
    public var kind: HistoryKind
    /// The adapter it happened on (`hci0`).
    public var adapter: String?
    public var rssi: Int?
    /// Battery percentage at the time.
    public var battery: Int?
    /// Why a link dropped (`DropReason`'s raw values).
    public var reason: String?
    /// BlueZ's words, or the repair's.
    public var message: String?
    /// How long the connection that dropped had lasted.
    public var sessionLength: Microseconds?
    /// The D-Bus error a repair ended with.
    public var error: String?
    /// For `pattern` events: the `PatternKind`, its count and window, and the advice given.
    public var pattern: String?
    public var count: Int?
    public var windowSeconds: Int?
    public var step: String?
    public var advice: String?

    public init(time: Microseconds, address: String, kind: HistoryKind) {
        self.time = time
        self.address = address
        self.kind = kind
    }
}

/// The kinds of history events.
public enum HistoryKind: String, Sendable, Hashable, CaseIterable {
    case connected
    case disconnected
    case battery
    case paired
    case forgotten
    case repairStarted = "repair-started"
    case repairSucceeded = "repair-succeeded"
    case repairFailed = "repair-failed"
    case repairCancelled = "repair-cancelled"
    case pattern
}
