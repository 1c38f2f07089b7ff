/// What the registry remembers about one Sony audio device (a classic BR/EDR object; the
/// `LE_` twin never becomes one).
public struct SonyDevice: Sendable, Hashable {
    /// Upper case, as BlueZ writes it (`AA:BB:CC:DD:EE:FF`).
    public let address: String
    /// The last non-empty `Name` BlueZ reported; kept when BlueZ later drops it.
    public internal(set) var name: String?
    /// Once known, never lost or replaced (see `SonyRegistry`).
    public internal(set) var model: ModelEntry?
    /// Every kind of evidence ever seen for this address, strongest first.
    public internal(set) var evidence: [Evidence]
    public internal(set) var generation: ProtocolGeneration
    /// Whether BlueZ has the object now.
    public internal(set) var isPresent: Bool

    public init(
        address: String,
        name: String?,
        model: ModelEntry?,
        evidence: [Evidence],
        generation: ProtocolGeneration,
        isPresent: Bool
    ) {
        self.address = address
        self.name = name
        self.model = model
        self.evidence = Array(Set(evidence)).sorted()
        self.generation = generation
        self.isPresent = isPresent
    }
}
