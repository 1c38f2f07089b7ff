public import DBus

/// Why a request to sonyctld did not succeed, in classes a caller can act on.
///
/// Every D-Bus error the daemon, the bus or libdbus can give maps to one kind;
/// `message` keeps the words of whoever refused (polkit's, BlueZ's), and
/// `errorName` the D-Bus error name when there was one.
public struct ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// No system bus to talk to.
        case busUnavailable = "bus-unavailable"
        /// `org.sonyctl.Daemon1` has no owner and cannot be activated.
        case daemonNotRunning = "daemon-not-running"
        /// The daemon did not answer in time, or left while answering.
        case noReply = "no-reply"
        /// This sonyctld does not have the method asked for.
        case daemonTooOld = "daemon-too-old"
        /// The daemon's answer has the wrong shape.
        case badReply = "bad-reply"
        case notAuthorized = "not-authorized"
        case unknownDevice = "unknown-device"
        case ambiguous
        case invalidArguments = "invalid-arguments"
        case bluezUnavailable = "bluez-unavailable"
        case noAdapter = "no-adapter"
        case adapterPoweredOff = "adapter-powered-off"
        case busy
        case notRepairing = "not-repairing"
        case timeout
        case pairingFailed = "pairing-failed"
        case connectFailed = "connect-failed"
        case cancelled
        case failed
    }

    public let kind: Kind
    public let message: String
    /// The D-Bus error name behind it, if any.
    public let errorName: String?

    public init(_ kind: Kind, _ message: String, errorName: String? = nil) {
        self.kind = kind
        self.message = message
        self.errorName = errorName
    }

    public var description: String { message }

    /// The daemon's error names (`org.sonyctl.Daemon1.Error.<Name>`) by their last part.
    static let daemonKinds: [String: Kind] = [
        "UnknownDevice": .unknownDevice, "Ambiguous": .ambiguous, "Busy": .busy, "NoAdapter": .noAdapter,
        "AdapterPoweredOff": .adapterPoweredOff, "BluezUnavailable": .bluezUnavailable, "Timeout": .timeout,
        "PairingFailed": .pairingFailed, "ConnectFailed": .connectFailed, "Cancelled": .cancelled,
        "Failed": .failed, "NotRepairing": .notRepairing, "NotAuthorized": .notAuthorized,
    ]

    /// The class of an error reply. The bus's own errors say whether the
    /// daemon is there at all; the daemon's say what it refused.
    public init(_ error: DBusError) {
        self.init(errorName: error.name.rawValue, message: error.message)
    }

    /// The same from a name and message as a signal carries them
    /// (`RepairFinished`'s `error_name`).
    public init(errorName name: String, message: String) {
        let kind: Kind
        if name.hasPrefix(Daemon1.errorPrefix) {
            kind = Self.daemonKinds[String(name.dropFirst(Daemon1.errorPrefix.count))] ?? .failed
        } else {
            kind = Self.busKinds[name] ?? .failed
        }
        self.init(kind, message.isEmpty ? name : message, errorName: name)
    }

    static let busKinds: [String: Kind] = [
        ErrorName.serviceUnknown.rawValue: .daemonNotRunning, ErrorName.nameHasNoOwner.rawValue: .daemonNotRunning,
        ErrorName.noReply.rawValue: .noReply, ErrorName.timeout.rawValue: .noReply,
        ErrorName.disconnected.rawValue: .busUnavailable,
        ErrorName.unknownMethod.rawValue: .daemonTooOld, ErrorName.unknownInterface.rawValue: .daemonTooOld,
        ErrorName.unknownObject.rawValue: .unknownDevice,
        ErrorName.accessDenied.rawValue: .notAuthorized, ErrorName.authFailed.rawValue: .notAuthorized,
        ErrorName.invalidArgs.rawValue: .invalidArguments, ErrorName.invalidSignature.rawValue: .invalidArguments,
    ]

    /// Anything thrown below the client, as a `ClientError`.
    static func from(_ error: any Error) -> ClientError {
        switch error {
        case let error as ClientError: return error
        case let error as DBusError: return ClientError(error)
        case let error as DBusDecodingError: return ClientError(.badReply, "sonyctld answered in an unexpected shape: \(error)")
        case is CancellationError: return ClientError(.cancelled, "cancelled")
        default: return ClientError(.failed, "\(error)")
        }
    }
}
