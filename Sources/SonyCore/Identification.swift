/// The verdict on one set of `DeviceFacts`: a Sony audio device, with what proves it and,
/// where the evidence allows, which model.
public struct Identification: Sendable, Hashable {
    /// Strongest first, each kind once; never empty.
    public let evidence: [Evidence]
    /// The model, when the Modalias product id or the name names one.
    public let model: ModelEntry?
    /// From the service UUID the device shows, else from the catalogue's model, else unknown.
    public let generation: ProtocolGeneration
    /// True for the LE-only companion object (`Name` is `LE_<model name>`): it is never the
    /// audio device and gets no device object of its own.
    public let isLowEnergyTwin: Bool

    public init(evidence: [Evidence], model: ModelEntry?, generation: ProtocolGeneration, isLowEnergyTwin: Bool) {
        self.evidence = Array(Set(evidence)).sorted()
        self.model = model
        self.generation = generation
        self.isLowEnergyTwin = isLowEnergyTwin
    }
}
