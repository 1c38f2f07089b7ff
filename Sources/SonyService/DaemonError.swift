public import DBus

/// The errors of `org.sonyctl.Daemon1`, each with the name DESIGN.md gives it.
public struct DaemonError: Error, Sendable, Hashable, DBusErrorConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case unknownDevice = "UnknownDevice"
        case ambiguous = "Ambiguous"
        case busy = "Busy"
        case noAdapter = "NoAdapter"
        case adapterPoweredOff = "AdapterPoweredOff"
        case bluezUnavailable = "BluezUnavailable"
        case timeout = "Timeout"
        case pairingFailed = "PairingFailed"
        case connectFailed = "ConnectFailed"
        case cancelled = "Cancelled"
        case failed = "Failed"
        case notRepairing = "NotRepairing"
        case notAuthorized = "NotAuthorized"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var name: ErrorName { ErrorName(unchecked: "org.sonyctl.Daemon1.Error." + kind.rawValue) }
    public var dbusError: DBusError { DBusError(name, message) }
}
