/// The values of the Device property `RepairState`, in the order a repair goes through them.
public enum RepairStage: String, Sendable, CaseIterable {
    case idle
    case forgetting
    case waitingForDevice = "waiting-for-device"
    case pairing
    case trusting
    case connecting
    case verifying
    case succeeded
    case failed
    case cancelled

    /// A stage a repair ends in; the next repair may start from it.
    public var isFinal: Bool {
        switch self {
        case .idle, .succeeded, .failed, .cancelled: return true
        default: return false
        }
    }
}
