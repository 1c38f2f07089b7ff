/// The words shown while a repair waits for the headset: how to put this model
/// into pairing mode, from the catalogue and never made up.
public enum PairingInstructions {
    public static func text(for model: ModelEntry?, deviceName: String) -> String {
        guard let model else {
            return "Put \(deviceName) into pairing mode now (the model is not in the catalogue: see its manual)."
        }
        var text: String
        switch model.pairing {
        case .known(let procedure):
            text = "Put the \(model.id) into pairing mode now: " + sentence(procedure)
        case .unknown(let note):
            text = "Put the \(model.id) into pairing mode now. \(note)"
        }
        // The headset's half of a network reset also clears its memory of this computer,
        // which is what a stale bond needs; say how, when a source does.
        if case .known(let reset) = model.reset(.network).guidance {
            text += " If it still remembers this computer, do its network reset first: " + sentence(reset)
        }
        return text
    }

    static func sentence(_ procedure: Procedure) -> String {
        var words = procedure.steps.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: " ")
        if let confirmation = procedure.confirmation { words += " (\(confirmation))" }
        return words
    }
}
