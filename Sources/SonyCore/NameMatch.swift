/// A name that matched a catalogue model, and whether it was the LE twin's `LE_` form.
public struct NameMatch: Sendable, Hashable {
    public let model: ModelEntry
    /// True when the name was `LE_<model name>`: the LE-only companion object.
    public let isLowEnergyTwin: Bool

    public init(model: ModelEntry, isLowEnergyTwin: Bool) {
        self.model = model
        self.isLowEnergyTwin = isLowEnergyTwin
    }
}
