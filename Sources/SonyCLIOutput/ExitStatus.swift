public import SonyClient

/// sonyctl's exit codes, one per class of outcome a script may want to tell
/// apart. They are part of the interface: `sonyctl --help` and the man page
/// list them, and they never change meaning.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    /// The operation failed for a reason of its own (the message says which).
    case failure = 1
    /// No device (or model) matches what was named.
    case unknownDevice = 2
    /// More than one device matches; the message lists them.
    case ambiguous = 3
    /// polkit (or the bus policy) refused.
    case notAuthorized = 4
    /// sonyctld is not running, or the system bus cannot be reached.
    case daemonUnavailable = 5
    /// BlueZ is not running, there is no adapter, or it is powered off.
    case bluetoothUnavailable = 6
    /// A repair already runs on that adapter (or none runs to cancel).
    case busy = 7
    /// The device did not show up in pairing mode in time.
    case timeout = 8
    case pairingFailed = 9
    /// Connected, but the audio profile did not come up, or the connection failed.
    case connectFailed = 10
    /// This sonyctld does not understand the request, or answers in an unknown shape.
    case daemonIncompatible = 11
    /// The model catalogue is missing or broken.
    case catalogueUnavailable = 12
    /// `diagnose` found something to do.
    case attention = 20
    /// Bad arguments (swift-argument-parser's usage error, as EX_USAGE).
    case usage = 64
    /// `sonyctl`'s full tool (`sonyctl-cli`) is missing: an incomplete install.
    case incomplete = 127
    /// Cancelled: Ctrl-C, or the question was answered no.
    case cancelled = 130

    public init(_ kind: ClientError.Kind) {
        switch kind {
        case .busUnavailable, .daemonNotRunning, .noReply: self = .daemonUnavailable
        case .daemonTooOld, .badReply: self = .daemonIncompatible
        case .notAuthorized: self = .notAuthorized
        case .unknownDevice: self = .unknownDevice
        case .ambiguous: self = .ambiguous
        case .bluezUnavailable, .noAdapter, .adapterPoweredOff: self = .bluetoothUnavailable
        case .busy, .notRepairing: self = .busy
        case .timeout: self = .timeout
        case .pairingFailed: self = .pairingFailed
        case .connectFailed: self = .connectFailed
        case .cancelled: self = .cancelled
        case .invalidArguments, .failed: self = .failure
        }
    }

    /// For `--help` and the man page.
    package var meaning: String {
        switch self {
        case .success: "success"
        case .failure: "the operation failed (the message says why)"
        case .unknownDevice: "no device or model matches the name given"
        case .ambiguous: "the name matches more than one device (they are listed)"
        case .notAuthorized: "not authorized (polkit said no)"
        case .daemonUnavailable: "sonyctld is not running or the system bus is unreachable"
        case .bluetoothUnavailable: "BlueZ is not running, or no adapter, or it is powered off"
        case .busy: "a repair is already running on that adapter, or none to cancel"
        case .timeout: "the device did not appear in pairing mode in time"
        case .pairingFailed: "pairing failed"
        case .connectFailed: "connecting failed, or the audio profile did not come up"
        case .daemonIncompatible: "this sonyctld is too old or answered in an unknown shape"
        case .catalogueUnavailable: "the model catalogue is missing or broken"
        case .attention: "diagnose found something to do"
        case .usage: "bad arguments"
        case .incomplete: "sonyctl is installed incompletely (its full tool, sonyctl-cli, is missing)"
        case .cancelled: "cancelled (Ctrl-C, or the question was answered no)"
        }
    }

    package static var table: String {
        allCases.map { "  \($0.rawValue)\(String(repeating: " ", count: max(1, 5 - String($0.rawValue).count)))\($0.meaning)" }
            .joined(separator: "\n")
    }
}
