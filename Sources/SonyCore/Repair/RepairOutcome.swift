/// How a repair ended. Every failure names the error DESIGN.md gives it and says,
/// in the message, what BlueZ reported.
public enum RepairOutcome: Sendable, Equatable {
    case succeeded
    case failed(Failure, message: String)
    case cancelled(message: String)

    /// The failures of `Device.Repair` (`org.sonyctl.Daemon1.Error.<rawValue>`).
    public enum Failure: String, Sendable, CaseIterable {
        case noAdapter = "NoAdapter"
        case adapterPoweredOff = "AdapterPoweredOff"
        case bluezUnavailable = "BluezUnavailable"
        case timeout = "Timeout"
        case pairingFailed = "PairingFailed"
        case connectFailed = "ConnectFailed"
        case failed = "Failed"
    }

    public var stage: RepairStage {
        switch self {
        case .succeeded: return .succeeded
        case .failed: return .failed
        case .cancelled: return .cancelled
        }
    }

    public var message: String {
        switch self {
        case .succeeded: return "repaired: paired, trusted, connected, audio profile up"
        case .failed(_, let message), .cancelled(let message): return message
        }
    }
}
