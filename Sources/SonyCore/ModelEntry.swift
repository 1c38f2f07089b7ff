/// One Sony model as the catalogue describes it: how to recognise it and how to guide a
/// user through pairing and resets.
///
/// Built only by `ModelCatalogue`'s parser, which guarantees the invariants the accessors
/// rely on: at least one name, and exactly one `ResetProcedure` per `ResetTier`.
public struct ModelEntry: Sendable, Hashable {
    /// The model as users, `ResolveDevice` and the `Model` property name it, e.g. `WH-1000XM4`.
    public let id: String
    /// The classic (BR/EDR) object's `Name` as the device advertises it. The LE-only twin
    /// is named `LE_` + one of these; see `lowEnergyNames`.
    public let names: [String]
    /// Sony's model number, when `id` is a marketing name (LinkBuds is the WF-L900).
    public let modelNumber: String?
    /// The product id in `Modalias` `usb:v054Cp<PID>d…`; `nil` when no source gives it.
    public let productID: UInt16?
    /// Why `productID` is unknown, when it is.
    public let productIDNote: String?
    public let generation: ProtocolGeneration
    public let formFactor: FormFactor
    /// The catalogue source the names, product id and generation come from.
    public let identitySource: String
    /// How to put the model into pairing mode.
    public let pairing: Guidance
    /// One entry per tier, mildest first.
    public let resets: [ResetProcedure]
    public let notes: [CatalogueNote]

    init(
        id: String,
        names: [String],
        modelNumber: String?,
        productID: UInt16?,
        productIDNote: String?,
        generation: ProtocolGeneration,
        formFactor: FormFactor,
        identitySource: String,
        pairing: Guidance,
        resets: [ResetProcedure],
        notes: [CatalogueNote]
    ) {
        self.id = id
        self.names = names
        self.modelNumber = modelNumber
        self.productID = productID
        self.productIDNote = productIDNote
        self.generation = generation
        self.formFactor = formFactor
        self.identitySource = identitySource
        self.pairing = pairing
        self.resets = resets.sorted { $0.tier < $1.tier }
        self.notes = notes
    }

    /// What the catalogue knows about one reset tier of this model.
    public func reset(_ tier: ResetTier) -> ResetProcedure {
        // The parser requires every tier, so the fallback is unreachable for a loaded
        // catalogue; it keeps the accessor total without a force unwrap.
        resets.first { $0.tier == tier }
            ?? ResetProcedure(tier: tier, guidance: .unknown(note: "The catalogue has no entry for this tier."))
    }

    /// The product id as it appears in a Modalias: four upper-case hex digits.
    public var productIDHex: String? {
        productID.map(HexDigits.four)
    }

    /// The names of the LE-only twin object (`LE_WH-1000XM4`).
    public var lowEnergyNames: [String] {
        names.map { ModelName.lowEnergyPrefix + $0 }
    }
}

/// Short, so that logs and test failures name the model instead of dumping the procedures.
extension ModelEntry: CustomStringConvertible {
    public var description: String {
        "ModelEntry(\(id)\(productIDHex.map { ", \($0)" } ?? ""))"
    }
}
