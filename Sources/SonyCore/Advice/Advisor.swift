/// Turns a pattern into the mildest step that should help, and says how to do it on
/// this model, with what the step keeps and wipes, from the catalogue only.
///
/// A pattern that comes back within the escalation window moves one step up its ladder:
/// a soft reset that did not stop the flapping is followed by a network reset, and so on.
public struct Advisor: Sendable {
    public let catalogue: ModelCatalogue

    public init(catalogue: ModelCatalogue) {
        self.catalogue = catalogue
    }

    /// The device advice is about, as messages name it.
    public struct Subject: Sendable {
        public let name: String
        public let address: String
        public let model: ModelEntry?

        public init(name: String, address: String, model: ModelEntry?) {
            self.name = name
            self.address = address
            self.model = model
        }
    }

    /// The steps tried for each pattern, mildest first.
    static func ladder(for kind: PatternKind, hostAudioReady: Bool) -> [AdviceStep] {
        switch kind {
        case .flapping, .shortSessions: [.softReset, .networkReset, .factoryReset, .firmwareRecovery]
        case .lowBattery: [.charge]
        case .staleBond: [.networkReset, .factoryReset, .firmwareRecovery]
        case .noAudioProfile: hostAudioReady ? [.reconnect, .networkReset, .factoryReset] : [.hostFix]
        case .afterResume: [.reconnect, .softReset]
        }
    }

    public func advice(for finding: PatternFinding, about subject: Subject, hostAudioReady: Bool = true) -> Advice {
        let ladder = Self.ladder(for: finding.kind, hostAudioReady: hostAudioReady)
        let step = ladder[min(finding.repeats, ladder.count - 1)]
        return Advice(step: step, text: Self.why(finding, subject) + " " + how(step, subject))
    }

    /// What happened, in a sentence.
    static func why(_ finding: PatternFinding, _ subject: Subject) -> String {
        let again = finding.repeats > 0 ? " again" : ""
        switch finding.kind {
        case .flapping:
            return "\(subject.name) dropped \(finding.count) times in \(minutes(finding.windowSeconds))\(again)."
        case .shortSessions:
            return "\(subject.name)'s last \(finding.count) connections each lasted under \(finding.windowSeconds) s\(again)."
        case .lowBattery:
            return "\(subject.name) dropped with its battery low."
        case .staleBond:
            return "\(subject.name) no longer accepts this computer's pairing key (it was reset or paired elsewhere)\(again)."
        case .noAudioProfile:
            return "\(subject.name) connected, but its audio profile did not come up\(again)."
        case .afterResume:
            return "\(subject.name) dropped right after this computer resumed from suspend\(again)."
        }
    }

    /// How to take `step` on this device, with its button sequence where a source gives one.
    public func how(_ step: AdviceStep, _ subject: Subject) -> String {
        let model = subject.model?.id ?? subject.name
        switch step {
        case .none:
            return ""
        case .hostFix:
            return "Fix this computer first: start an audio server with Bluetooth support (PipeWire with WirePlumber, "
                + "or PulseAudio with module-bluetooth). Without one the adapter offers no A2DP or HFP role and every "
                + "connect fails with profile-unavailable."
        case .charge:
            return "Charge the \(model) before anything else: drops at low battery are expected and no reset helps them."
        case .reconnect:
            return "Reconnect it: `bluetoothctl disconnect \(subject.address)` then `bluetoothctl connect \(subject.address)`, "
                + "or turn the \(model) off and on."
        case .softReset, .factoryReset, .firmwareRecovery:
            return tierText(step, subject)
        case .networkReset:
            return "Network reset: run `sonyctl repair \(subject.address)`, which forgets and re-pairs it on this computer. "
                + tierText(step, subject)
        }
    }

    /// "Soft-reset the WH-1000XM5: 1. … (confirmation) Keeps: … Wipes: …", or why the
    /// catalogue cannot say.
    func tierText(_ step: AdviceStep, _ subject: Subject) -> String {
        guard let tier = step.tier else { return "" }
        let title = Self.title(tier)
        guard let model = subject.model else {
            return "\(title) \(subject.name): the model is not in the catalogue, so see its manual for the buttons."
        }
        let procedure = model.reset(tier)
        guard case .known(let steps) = procedure.guidance else {
            if case .unknown(let note) = procedure.guidance {
                return "\(title) the \(model.id): \(note)" + keepsAndWipes(tier, nil)
            }
            return ""
        }
        var text = "\(title) the \(model.id): " + PairingInstructions.sentence(steps)
        text += keepsAndWipes(tier, steps)
        if let warning = steps.warnings.first { text += " Careful: \(warning)" }
        return text
    }

    private func keepsAndWipes(_ tier: ResetTier, _ procedure: Procedure?) -> String {
        let general = catalogue.description(of: tier)
        var text = ""
        if let keeps = procedure?.keeps ?? general?.keeps, !keeps.isEmpty { text += " Keeps: " + keeps.joined(separator: "; ") + "." }
        if let wipes = procedure?.wipes ?? general?.wipes, !wipes.isEmpty { text += " Wipes: " + wipes.joined(separator: "; ") + "." }
        return text
    }

    static func title(_ tier: ResetTier) -> String {
        switch tier {
        case .soft: "Soft-reset"
        case .network: "Then network-reset"
        case .factory: "Factory-reset"
        case .recovery: "Recover the firmware of"
        }
    }

    static func minutes(_ seconds: Int) -> String {
        seconds % 60 == 0 ? "\(seconds / 60) minutes" : "\(seconds) s"
    }
}
