/// The Sony models sonyctl knows, loaded from `config/models.yaml`.
///
/// A value: load it once, share it freely (it is `Sendable`). The lookups are what
/// identification and `ResolveDevice` need: by USB product id, by advertised name (also
/// the `LE_` twin form), and by model id. All name and id lookups ignore case.
public struct ModelCatalogue: Sendable {
    /// The `schema:` version the file declared.
    public let schemaVersion: Int
    /// In file order.
    public let models: [ModelEntry]
    /// In file order.
    public let sources: [CatalogueSource]
    /// One per tier, mildest first.
    public let tiers: [TierDescription]

    private let indexByProductID: [UInt16: Int]
    private let indexByName: [String: Int]
    private let indexByID: [String: Int]

    /// The parser has already rejected duplicates, so building the indexes cannot collide;
    /// `uniquingKeysWith` keeps the first anyway rather than trapping.
    init(schemaVersion: Int, models: [ModelEntry], sources: [CatalogueSource], tiers: [TierDescription]) {
        self.schemaVersion = schemaVersion
        self.models = models
        self.sources = sources
        self.tiers = tiers.sorted { $0.tier < $1.tier }
        var byProductID: [UInt16: Int] = [:]
        var byName: [String: Int] = [:]
        var byID: [String: Int] = [:]
        for (index, model) in models.enumerated() {
            if let productID = model.productID, byProductID[productID] == nil {
                byProductID[productID] = index
            }
            for name in model.names where byName[ModelName.key(name)] == nil {
                byName[ModelName.key(name)] = index
            }
            if byID[ModelName.key(model.id)] == nil {
                byID[ModelName.key(model.id)] = index
            }
        }
        indexByProductID = byProductID
        indexByName = byName
        indexByID = byID
    }

    /// The model with this USB product id (the `p` of a `usb:v054C` Modalias).
    public func model(productID: UInt16) -> ModelEntry? {
        indexByProductID[productID].map { models[$0] }
    }

    /// The model whose advertised name this is, exactly but ignoring case, in the classic
    /// form (`WH-1000XM4`) or the LE twin's (`LE_WH-1000XM4`).
    public func model(named name: String) -> ModelEntry? {
        match(name: name)?.model
    }

    /// Like `model(named:)`, and also says whether the name was the `LE_` twin form.
    public func match(name: String) -> NameMatch? {
        if let index = indexByName[ModelName.key(name)] {
            return NameMatch(model: models[index], isLowEnergyTwin: false)
        }
        if let bare = ModelName.strippingLowEnergyPrefix(name),
           let index = indexByName[ModelName.key(bare)] {
            return NameMatch(model: models[index], isLowEnergyTwin: true)
        }
        return nil
    }

    /// The model with this id (`WH-1000XM4`, `LinkBuds S`), ignoring case.
    public func model(id: String) -> ModelEntry? {
        indexByID[ModelName.key(id)].map { models[$0] }
    }

    public func source(id: String) -> CatalogueSource? {
        sources.first { $0.id == id }
    }

    /// What a tier means in general (summary, keeps, wipes).
    public func description(of tier: ResetTier) -> TierDescription? {
        tiers.first { $0.tier == tier }
    }
}

/// Short, so that printing an identifier or registry does not dump the whole catalogue.
extension ModelCatalogue: CustomStringConvertible {
    public var description: String {
        "ModelCatalogue(schema \(schemaVersion), \(models.count) models)"
    }
}
