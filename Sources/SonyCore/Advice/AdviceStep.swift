/// The steps advice chooses from, mildest first, in the order of the reference
/// articles' diagnostic flow; `hostFix` and `charge` are what the articles send a user
/// to before any reset.
public enum AdviceStep: String, Sendable, Hashable, CaseIterable, Comparable {
    case none
    /// Something on this computer (the audio server, the adapter) must be fixed first.
    case hostFix = "host-fix"
    case charge
    case reconnect
    case softReset = "soft-reset"
    /// `sonyctl repair` on this side, the headset's network reset on the other.
    case networkReset = "network-reset"
    case factoryReset = "factory-reset"
    case firmwareRecovery = "firmware-recovery"

    /// The reset tier this step is, if it is one.
    public var tier: ResetTier? {
        switch self {
        case .softReset: .soft
        case .networkReset: .network
        case .factoryReset: .factory
        case .firmwareRecovery: .recovery
        default: nil
        }
    }

    public static func < (a: AdviceStep, b: AdviceStep) -> Bool {
        let order = allCases
        return (order.firstIndex(of: a) ?? 0) < (order.firstIndex(of: b) ?? 0)
    }
}

/// What to do, and the words to say it with.
public struct Advice: Sendable, Equatable {
    public let step: AdviceStep
    public let text: String

    public init(step: AdviceStep, text: String) {
        self.step = step
        self.text = text
    }

    public static let none = Advice(step: .none, text: "")
}
