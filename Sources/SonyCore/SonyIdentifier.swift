/// Decides whether a BlueZ device is a Sony audio device and which model, from passive
/// facts only (no connection, no MDR traffic).
///
/// The rules, strongest evidence first (DESIGN.md, research notes §2):
/// 1. `UUIDs` holds an MDR control-service UUID (compared ignoring case). Only Sony audio
///    products run MDR, so this alone is enough; it also gives the protocol generation.
/// 2. `Modalias` is `usb:v054Cp<PID>…` (Sony's USB vendor id) or `bluetooth:v012Dp<PID>…`
///    (Sony's SIG company id, accepted per the research notes though not yet seen on a
///    headset). Vendor and product only; the `d` version changes with firmware. The product
///    id names the model through the catalogue — for the `usb:` form only, the one the
///    catalogue's ids were observed under.
/// 3. `ManufacturerData` has key 0x012D, Sony's SIG company id. 0x0056 is Sony Ericsson
///    (phones) and does not count.
/// 4. `Name` (or, when BlueZ has no Name, `Alias`) is exactly a catalogue model name or its
///    `LE_` form, ignoring case. "Sony", "Sony Xperia" or a Bose name never match.
///
/// The model is taken from the Modalias product id when the catalogue knows it, else from
/// the name.
///
/// Name alone is enough to report a Sony device: the catalogue's names are specific model
/// strings, not generic words, and before the first connection BlueZ often has nothing
/// but the name (DESIGN.md lists it as evidence).
///
/// Vendor-only evidence — a Sony Modalias whose product id the catalogue does not know, or
/// only the 0x012D manufacturer data — also marks Sony game controllers, cameras and TVs.
/// When such evidence names no model and no MDR UUID backs it, a `Class` whose major class
/// is not Audio/Video, or an `Icon` not in the `audio-` family, rules the device out.
public struct SonyIdentifier: Sendable {
    public let catalogue: ModelCatalogue

    public init(catalogue: ModelCatalogue) {
        self.catalogue = catalogue
    }

    /// `nil` when nothing marks the device as a Sony audio device.
    public func identify(_ facts: DeviceFacts) -> Identification? {
        var evidence: [Evidence] = []

        let announced = Set(facts.uuids.compactMap(ProtocolGeneration.init(serviceUUID:)))
        if !announced.isEmpty {
            evidence.append(.serviceUUID)
        }

        var modaliasModel: ModelEntry?
        if let text = facts.modalias, let modalias = Modalias(parsing: text), modalias.isSony {
            evidence.append(.modalias)
            if modalias.source == .usb {
                modaliasModel = catalogue.model(productID: modalias.product)
            }
        }

        if facts.manufacturerIDs.contains(Modalias.sonyBluetoothCompany) {
            evidence.append(.manufacturerData)
        }

        let nameMatch = Self.advertisedName(facts).flatMap(catalogue.match(name:))
        if nameMatch != nil {
            evidence.append(.name)
        }

        guard !evidence.isEmpty else { return nil }
        let model = modaliasModel ?? nameMatch?.model
        if model == nil, announced.isEmpty, Self.isClearlyNotAudio(facts) {
            return nil
        }

        let generation: ProtocolGeneration
        if announced.count == 1, let only = announced.first {
            generation = only
        } else {
            // None announced, or (oddly) both: the catalogue is the better guide.
            generation = model?.generation ?? .unknown
        }

        return Identification(
            evidence: evidence,
            model: model,
            generation: generation,
            isLowEnergyTwin: nameMatch?.isLowEnergyTwin ?? false
        )
    }

    /// The name to match: `Name`, or `Alias` when BlueZ has no Name (BlueZ then fills Alias
    /// from what it last knew, or the address, which never matches a model). Alias is not
    /// consulted when Name exists, because a user may give any device any alias.
    static func advertisedName(_ facts: DeviceFacts) -> String? {
        if let name = facts.name, !name.isEmpty { return name }
        if let alias = facts.alias, !alias.isEmpty { return alias }
        return nil
    }

    /// Audio/Video is major device class 0x04 (bits 8–12 of the Class of Device); BlueZ's
    /// icons for audio devices all start with `audio-` (`audio-headset`, `audio-card`, …).
    static func isClearlyNotAudio(_ facts: DeviceFacts) -> Bool {
        if let deviceClass = facts.deviceClass, deviceClass != 0, (deviceClass >> 8) & 0x1F != 0x04 {
            return true
        }
        if let icon = facts.icon, !icon.isEmpty, !icon.hasPrefix("audio-") {
            return true
        }
        return false
    }
}
