/// The Sony devices seen so far, with identification that sticks to each address, and the
/// links between each headset and its `LE_` twin.
///
/// A value type: the daemon owns one and mutates it from one place (its BlueZ event
/// handler); tests can copy it freely.
///
/// **Stickiness.** BlueZ rewrites properties over a device's life: `Modalias` changes after
/// pairing (EIR Device ID first, the SDP record later), `Name` may be missing after a
/// restart. So once an address is known as a Sony device it stays one; evidence only
/// accumulates; a model is learnt once (unknown → known) and then never replaced or lost;
/// the generation likewise. An address keeps the role it was first seen in (audio device
/// or LE twin), with the one exception described below.
///
/// **LE twins.** Sony headsets also show an LE-only object named `LE_<model name>`. It is
/// never offered as an audio device. It is linked to the present classic device of the same
/// model when exactly one such device and one such unlinked twin exist (two identical
/// headsets side by side are left unlinked rather than guessed). Either may arrive first.
/// The link lasts while the twin is present, even if the classic device departs, so that
/// Forget of a departed headset still removes its twin; it ends when the twin departs.
/// One exception to "an address keeps its first role": a twin's address that later shows
/// classic evidence (MDR UUID, Modalias, the name without `LE_`) becomes an audio device,
/// because a dual-mode headset may use one address, and so one BlueZ object, for both.
public struct SonyRegistry: Sendable {
    public let identifier: SonyIdentifier

    private var devicesByAddress: [String: SonyDevice] = [:]
    private var twinsByAddress: [String: LowEnergyTwin] = [:]
    /// LE twin address → classic device address.
    private var links: [String: String] = [:]

    private struct LowEnergyTwin: Sendable, Hashable {
        let address: String
        let model: ModelEntry
        var isPresent: Bool
    }

    public init(identifier: SonyIdentifier) {
        self.identifier = identifier
    }

    public init(catalogue: ModelCatalogue) {
        self.init(identifier: SonyIdentifier(catalogue: catalogue))
    }

    // MARK: - Queries

    /// Every Sony audio device known, present or not, ordered by address.
    public var devices: [SonyDevice] {
        devicesByAddress.values.sorted { $0.address < $1.address }
    }

    /// The audio device at this address (any case); `nil` for unknown addresses and for
    /// `LE_` twins, which have no device of their own.
    public func device(at address: String) -> SonyDevice? {
        devicesByAddress[Self.normalize(address)]
    }

    /// Whether this address is an `LE_` twin.
    public func isLowEnergyTwin(_ address: String) -> Bool {
        twinsByAddress[Self.normalize(address)] != nil
    }

    /// The other half of a linked pair: the twin's address for a classic device, the
    /// classic device's for a twin. Forget removes both.
    public func twin(of address: String) -> String? {
        let address = Self.normalize(address)
        if let classic = links[address] { return classic }
        return links.first { $0.value == address }?.key
    }

    // MARK: - Changes

    /// Takes in the current facts of one BlueZ device object (new or changed).
    public mutating func update(_ facts: DeviceFacts) -> RegistryChange {
        guard let rawAddress = facts.address, !rawAddress.isEmpty else { return .ignored }
        let address = Self.normalize(rawAddress)
        let identification = identifier.identify(facts)

        if var twin = twinsByAddress[address] {
            if let identification, Self.showsClassicSide(identification) {
                // Same address, now with classic evidence: a dual-mode headset whose one
                // BlueZ object first showed its LE name. Promote it below; keeping it hidden
                // as a twin would lose the audio device.
                twinsByAddress[address] = nil
                links[address] = nil
            } else {
                twin.isPresent = true
                twinsByAddress[address] = twin
                linkUnlinkedTwins()
                return .lowEnergyTwin(address: address, twin: links[address])
            }
        }

        if let old = devicesByAddress[address] {
            var device = old
            device.isPresent = true
            if let name = facts.name, !name.isEmpty { device.name = name }
            if let identification {
                device.evidence = Array(Set(device.evidence + identification.evidence)).sorted()
                if device.model == nil { device.model = identification.model }
                if device.generation == .unknown { device.generation = identification.generation }
            }
            devicesByAddress[address] = device
            guard device != old else { return .unchanged(device) }
            linkUnlinkedTwins()
            return .updated(old: old, new: device)
        }

        guard let identification else { return .ignored }

        if identification.isLowEnergyTwin, let model = identification.model {
            twinsByAddress[address] = LowEnergyTwin(address: address, model: model, isPresent: true)
            linkUnlinkedTwins()
            return .lowEnergyTwin(address: address, twin: links[address])
        }

        let name = facts.name.flatMap { $0.isEmpty ? nil : $0 }
        let device = SonyDevice(
            address: address,
            name: name,
            model: identification.model,
            evidence: identification.evidence,
            generation: identification.generation,
            isPresent: true
        )
        devicesByAddress[address] = device
        linkUnlinkedTwins()
        return .added(device)
    }

    /// A device known from an earlier run (the history), absent until BlueZ shows it:
    /// identification is sticky across restarts too. Known addresses are left as they are.
    public mutating func remember(_ device: SonyDevice) {
        let address = Self.normalize(device.address)
        guard devicesByAddress[address] == nil, twinsByAddress[address] == nil else { return }
        var absent = device
        absent.isPresent = false
        devicesByAddress[address] = absent
    }

    /// BlueZ removed the object at this address. Identification is kept (sticky); only
    /// presence and the twin link change.
    public mutating func remove(address rawAddress: String) -> RegistryChange {
        let address = Self.normalize(rawAddress)
        if var twin = twinsByAddress[address] {
            twin.isPresent = false
            twinsByAddress[address] = twin
            let classic = links.removeValue(forKey: address)
            linkUnlinkedTwins()
            return .lowEnergyTwinDeparted(address: address, twin: classic)
        }
        if var device = devicesByAddress[address] {
            device.isPresent = false
            devicesByAddress[address] = device
            return .departed(device)
        }
        return .ignored
    }

    /// Evidence an LE-only object cannot have: the MDR service (RFCOMM, classic only), a
    /// Device ID Modalias, or the classic name without `LE_`. Manufacturer data alone is
    /// what LE adverts carry, so it does not count.
    private static func showsClassicSide(_ identification: Identification) -> Bool {
        !identification.isLowEnergyTwin && identification.evidence.contains { $0 != .manufacturerData }
    }

    // MARK: - Linking

    /// Links every present, unlinked twin whose model has exactly one present, unlinked
    /// classic device and no rival twin. Run after anything that could create a candidate.
    private mutating func linkUnlinkedTwins() {
        let unlinked = twinsByAddress.values.filter { $0.isPresent && links[$0.address] == nil }
        let linkedClassics = Set(links.values)
        for twin in unlinked {
            let rivals = unlinked.filter { $0.model.id == twin.model.id }
            let candidates = devicesByAddress.values.filter {
                $0.isPresent && $0.model?.id == twin.model.id && !linkedClassics.contains($0.address)
            }
            if rivals.count == 1, candidates.count == 1, let classic = candidates.first {
                links[twin.address] = classic.address
            }
        }
    }

    /// BlueZ writes addresses in upper case; users and tests may not.
    static func normalize(_ address: String) -> String {
        address.uppercased()
    }
}
