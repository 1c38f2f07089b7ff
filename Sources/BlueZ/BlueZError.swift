public import DBus

/// A failure reported by BlueZ, classified so callers can decide without
/// comparing strings: retry the transient ones, report the rest.
public struct BlueZError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        // `org.bluez.Error.*` names, as in BlueZ's doc/ and src/error.c.
        case invalidArguments = "InvalidArguments"
        case invalidLength = "InvalidLength"
        case inProgress = "InProgress"
        case alreadyExists = "AlreadyExists"
        case alreadyConnected = "AlreadyConnected"
        case notSupported = "NotSupported"
        case notConnected = "NotConnected"
        case notAvailable = "NotAvailable"
        case notAuthorized = "NotAuthorized"
        case notPermitted = "NotPermitted"
        case notReady = "NotReady"
        case notFound = "NotFound"
        case doesNotExist = "DoesNotExist"
        case noSuchAdapter = "NoSuchAdapter"
        case agentNotAvailable = "AgentNotAvailable"
        case authenticationCanceled = "AuthenticationCanceled"
        case authenticationFailed = "AuthenticationFailed"
        case authenticationRejected = "AuthenticationRejected"
        case authenticationTimeout = "AuthenticationTimeout"
        case connectionAttemptFailed = "ConnectionAttemptFailed"
        case rejected = "Rejected"
        case canceled = "Canceled"
        case failed = "Failed"
        case outOfRange = "OutOfRange"
        case notAcquired = "NotAcquired"
        case impossible = "Impossible"
        /// `org.bluez.Error.BREDR.ProfileUnavailable` (5.84+), and the older
        /// `Failed` with message `br-connection-profile-unavailable`.
        case profileUnavailable = "BREDR.ProfileUnavailable"
        /// The object is gone (`org.freedesktop.DBus.Error.UnknownObject`).
        case unknownObject
        /// bluetoothd is not on the bus, or left it during the call.
        case bluezUnavailable
        /// Any other D-Bus failure (timeouts, access denied …).
        case other
    }

    public let kind: Kind
    /// The D-Bus error name as received (empty for local failures).
    public let name: String
    /// BlueZ's message: for `Failed` often a `br-connection-*` / `le-connection-*` code.
    public let message: String

    public init(_ kind: Kind, name: String = "", message: String = "") {
        self.kind = kind
        self.name = name
        self.message = message
    }

    /// Classifies a D-Bus error from a BlueZ call.
    public init(_ error: DBusError) {
        let name = error.name.rawValue
        let prefix = "org.bluez.Error."
        var kind: Kind
        if name.hasPrefix(prefix) {
            kind = Kind(rawValue: String(name.dropFirst(prefix.count))) ?? .other
        } else {
            switch error.name {
            case .unknownObject, .unknownMethod: kind = .unknownObject
            case .serviceUnknown, .nameHasNoOwner, .disconnected: kind = .bluezUnavailable
            default: kind = .other
            }
        }
        if kind == .failed, error.message.hasSuffix("-profile-unavailable") { kind = .profileUnavailable }
        self.init(kind, name: name, message: error.message)
    }

    /// The connection failure code in the message, e.g. `br-connection-page-timeout`.
    public var connectionCode: String? {
        message.hasPrefix("br-connection-") || message.hasPrefix("le-connection-") ? message : nil
    }

    /// Failures that are worth trying again after a pause: the device was not
    /// answering yet, the controller was busy, or a profile was not up yet.
    public var isTransient: Bool {
        switch kind {
        case .inProgress, .notReady, .connectionAttemptFailed, .profileUnavailable: return true
        case .failed:
            guard let code = connectionCode else { return false }
            return ["page-timeout", "busy", "timeout", "concurrent-connection-limit", "aborted-by-remote", "create-socket"]
                .contains { code.hasSuffix($0) }
        default: return false
        }
    }

    /// The headset no longer has our link key: only a fresh pairing helps.
    public var isStaleBond: Bool {
        connectionCode?.hasSuffix("-key-missing") == true || kind == .authenticationFailed
    }

    public var description: String {
        let head = name.isEmpty ? "\(kind)" : name
        return message.isEmpty ? head : "\(head): \(message)"
    }
}

extension BlueZError: DBusErrorConvertible {
    public var dbusError: DBusError {
        DBusError((try? ErrorName(name)) ?? .failed, message.isEmpty ? description : message)
    }
}
