import SonyCore
import Testing

/// The catalogue that ships in `config/models.yaml`.
@Suite("Shipped catalogue")
struct ShippedCatalogueTests {
    @Test("loads without error and covers DESIGN.md's models and ULT WEAR")
    func coversDesignModels() throws {
        let catalogue = try shippedCatalogue()
        #expect(catalogue.schemaVersion == 1)
        #expect(Set(catalogue.models.map(\.id)) == Set(designNames))
    }

    @Test("each DESIGN.md model has DESIGN.md's product id", arguments: designModels)
    func productIDs(model: (id: String, productID: String)) throws {
        let catalogue = try shippedCatalogue()
        let entry = try #require(catalogue.model(id: model.id))
        #expect(entry.productIDHex == model.productID)
        let productID = try #require(UInt16(model.productID, radix: 16))
        #expect(catalogue.model(productID: productID)?.id == model.id)
    }

    @Test("ULT WEAR's product id is unknown and says why")
    func ultWearHasNoProductID() throws {
        let entry = try #require(try shippedCatalogue().model(id: "ULT WEAR"))
        #expect(entry.productID == nil)
        #expect(entry.productIDNote?.isEmpty == false)
    }

    /// Per research notes §2: v1 for the XM3/XM4 headphones; v2 for the rest it names; the
    /// others are not stated and must not be guessed.
    @Test("protocol generations follow the research notes", arguments: [
        ("WH-1000XM3", ProtocolGeneration.v1), ("WH-1000XM4", .v1),
        ("WH-1000XM5", .v2), ("WH-1000XM6", .v2), ("WF-1000XM4", .v2), ("WF-1000XM5", .v2),
        ("LinkBuds S", .v2), ("WH-CH720N", .v2), ("WF-C700N", .v2),
        ("WF-1000XM3", .unknown), ("LinkBuds", .unknown), ("ULT WEAR", .unknown),
    ])
    func generations(id: String, generation: ProtocolGeneration) throws {
        #expect(try shippedCatalogue().model(id: id)?.generation == generation)
    }

    @Test("form factors", arguments: [
        ("WH-1000XM4", FormFactor.headphones), ("WH-CH720N", .headphones), ("ULT WEAR", .headphones),
        ("WF-1000XM5", .earbuds), ("LinkBuds", .earbuds), ("LinkBuds S", .earbuds), ("WF-C700N", .earbuds),
    ])
    func formFactors(id: String, formFactor: FormFactor) throws {
        #expect(try shippedCatalogue().model(id: id)?.formFactor == formFactor)
    }

    @Test("every model has every tier, and every known procedure cites a reference article")
    func everyProcedureIsSourced() throws {
        let catalogue = try shippedCatalogue()
        for model in catalogue.models {
            #expect(model.resets.map(\.tier) == ResetTier.allCases, "\(model.id)")
            for guidance in [model.pairing] + model.resets.map(\.guidance) {
                switch guidance {
                case .known(let procedure):
                    #expect(catalogue.source(id: procedure.source)?.kind == .referenceArticle, "\(model.id)")
                    #expect(!procedure.steps.isEmpty, "\(model.id)")
                case .unknown(let note):
                    #expect(!note.isEmpty, "\(model.id)")
                }
            }
        }
        #expect(catalogue.tiers.map(\.tier) == ResetTier.allCases)
    }

    /// Which tiers the reference articles give a sequence for. Anything else known would be
    /// an invented procedure; anything missing would be data lost.
    @Test("known tiers are exactly those the reference articles give")
    func knownTiers() throws {
        let catalogue = try shippedCatalogue()
        var known: [String: Set<ResetTier>] = [:]
        for model in catalogue.models {
            known[model.id] = Set(model.resets.filter { $0.guidance.isKnown }.map(\.tier))
            #expect(!model.pairing.isKnown, "no reference gives pairing steps for \(model.id)")
        }
        #expect(known == [
            "WH-1000XM3": [], "WH-1000XM4": [.network], "WH-1000XM5": [.soft], "WH-1000XM6": [],
            "WF-1000XM3": [], "WF-1000XM4": [.factory, .recovery], "WF-1000XM5": [.soft, .factory],
            "LinkBuds": [], "LinkBuds S": [.soft, .recovery], "WH-CH720N": [.soft], "WF-C700N": [],
            "ULT WEAR": [],
        ])
    }

    @Test("a known procedure keeps the article's timing and confirmation")
    func procedureDetails() throws {
        let catalogue = try shippedCatalogue()
        let xm4Network = try #require(catalogue.model(id: "WH-1000XM4")?.reset(.network).guidance.procedure)
        #expect(xm4Network.holdSeconds == 10)
        #expect(xm4Network.source == "reset-guide")
        #expect(xm4Network.confirmation?.contains("blue/white") == true)
        let xm5Factory = try #require(catalogue.model(id: "WF-1000XM5")?.reset(.factory).guidance.procedure)
        #expect(xm5Factory.holdSeconds == 15)
        #expect(xm5Factory.confirmation?.contains("All settings") == true)
        let xm4Factory = try #require(catalogue.model(id: "WF-1000XM4")?.reset(.factory).guidance.procedure)
        #expect(xm4Factory.source == "wf1000xm4-charging")
        #expect(xm4Factory.steps.count == 7)
    }

    @Test("lookups: by name in any case, by LE_ name, by id; strangers are nil")
    func lookups() throws {
        let catalogue = try shippedCatalogue()
        #expect(catalogue.model(named: "wh-1000xm4")?.id == "WH-1000XM4")
        #expect(catalogue.model(named: "LE_WH-1000XM4")?.id == "WH-1000XM4")
        #expect(catalogue.model(named: "le_linkbuds s")?.id == "LinkBuds S")
        #expect(catalogue.match(name: "LE_LinkBuds")?.isLowEnergyTwin == true)
        #expect(catalogue.match(name: "LinkBuds")?.isLowEnergyTwin == false)
        #expect(catalogue.model(id: "linkbuds s")?.productIDHex == "0DF4")
        #expect(catalogue.model(named: "LinkBuds S")?.id != catalogue.model(named: "LinkBuds")?.id)
        for stranger in ["Sony", "Sony Xperia", "LE_", "LE_Sony", "WH-1000XM4 ", "My WH-1000XM4", "WH-1000XM"] {
            #expect(catalogue.model(named: stranger) == nil, "\(stranger)")
        }
        #expect(catalogue.model(productID: 0x0CE6) == nil)
        #expect(catalogue.model(id: "WH-1000XM2") == nil)
        #expect(catalogue.model(id: "WH-1000XM4")?.lowEnergyNames == ["LE_WH-1000XM4"])
    }

    @Test("tier descriptions carry the article's keeps and wipes")
    func tierDescriptions() throws {
        let catalogue = try shippedCatalogue()
        #expect(catalogue.description(of: .network)?.wipes?.contains { $0.contains("pairing") } == true)
        #expect(catalogue.description(of: .factory)?.caveats.isEmpty == false)
        // The article does not say what recovery keeps or wipes: absent, not empty.
        #expect(catalogue.description(of: .recovery)?.keeps == nil)
        #expect(catalogue.description(of: .recovery)?.wipes == nil)
    }

    @Test("ResetTier orders mildest first")
    func tierOrder() {
        #expect(ResetTier.allCases.sorted() == [.soft, .network, .factory, .recovery])
        #expect(ResetTier.network < ResetTier.factory)
        #expect(!(ResetTier.recovery < ResetTier.soft))
    }
}
