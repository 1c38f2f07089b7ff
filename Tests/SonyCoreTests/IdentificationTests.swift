import SonyCore
import Testing

@Suite("Identification")
struct IdentificationTests {
    let identifier: SonyIdentifier

    init() throws {
        identifier = SonyIdentifier(catalogue: try shippedCatalogue())
    }

    @Test("Evidence raw values are DESIGN.md's strings, strongest first")
    func evidenceNames() {
        #expect(Evidence.allCases.map(\.rawValue) == ["service-uuid", "modalias", "manufacturer-data", "name"])
        #expect([Evidence.name, .modalias, .serviceUUID, .manufacturerData].sorted()
            == [.serviceUUID, .modalias, .manufacturerData, .name])
    }

    /// The version field differs from the dumps (d0301, d0422) on purpose, and upper and
    /// lower case are both tried: vendor + product alone must name the model.
    @Test("every DESIGN.md model from its Modalias, whatever the d part", arguments: designModels)
    func fromModalias(model: (id: String, productID: String)) throws {
        for modalias in ["usb:v054Cp\(model.productID)d9999", "usb:v054cp\(model.productID.lowercased())d0001",
                         "USB:V054CP\(model.productID)D1A2B", "usb:v054Cp\(model.productID)"] {
            let identification = try #require(identifier.identify(DeviceFacts(modalias: modalias)), "\(modalias)")
            #expect(identification.model?.id == model.id, "\(modalias)")
            #expect(identification.evidence == [.modalias])
            #expect(!identification.isLowEnergyTwin)
        }
    }

    @Test("every catalogue model from service UUID + name", arguments: designNames)
    func fromUUIDAndName(id: String) throws {
        let catalogue = try shippedCatalogue()
        let entry = try #require(catalogue.model(id: id))
        let uuid = entry.generation == .v1 ? v1UUID : v2UUID
        let facts = DeviceFacts(
            address: "AA:BB:CC:DD:EE:01", name: id,
            uuids: [a2dpSinkUUID, uuid.lowercased()],  // BlueZ reports lower case
            deviceClass: 0x240404, icon: "audio-headset"
        )
        let identification = try #require(identifier.identify(facts))
        #expect(identification.model?.id == id)
        #expect(identification.evidence == [.serviceUUID, .name])
        #expect(identification.generation == (entry.generation == .v1 ? .v1 : .v2))
    }

    @Test("every catalogue model from its name alone, in any case", arguments: designNames)
    func fromNameAlone(id: String) throws {
        for name in [id, id.lowercased(), id.uppercased()] {
            let identification = try #require(identifier.identify(DeviceFacts(name: name)), "\(name)")
            #expect(identification.model?.id == id)
            #expect(identification.evidence == [.name])
            #expect(!identification.isLowEnergyTwin)
        }
    }

    @Test("an LE_ name is identified as the LE twin of its model", arguments: designNames)
    func lowEnergyTwinName(id: String) throws {
        let identification = try #require(identifier.identify(DeviceFacts(name: "LE_" + id, manufacturerIDs: [0x012D])))
        #expect(identification.model?.id == id)
        #expect(identification.isLowEnergyTwin)
        #expect(identification.evidence == [.manufacturerData, .name])
    }

    @Test("all four kinds of evidence, strongest first")
    func allEvidence() throws {
        let facts = DeviceFacts(
            name: "WH-1000XM4", uuids: [v1UUID], modalias: "usb:v054Cp0D58d0301", manufacturerIDs: [0x0006, 0x012D]
        )
        let identification = try #require(identifier.identify(facts))
        #expect(identification.evidence.map(\.rawValue) == ["service-uuid", "modalias", "manufacturer-data", "name"])
        #expect(identification.model?.id == "WH-1000XM4")
        #expect(identification.generation == .v1)
    }

    @Test("the Modalias product id outranks the name for the model")
    func modaliasBeatsName() throws {
        let identification = try #require(identifier.identify(DeviceFacts(name: "WH-1000XM4", modalias: "usb:v054Cp0DF0d0100")))
        #expect(identification.model?.id == "WH-1000XM5")
        #expect(identification.evidence == [.modalias, .name])
    }

    @Test("a Sony Modalias with an unknown product id is Sony, model unknown, named by the name if any")
    func unknownProductID() throws {
        let bare = try #require(identifier.identify(DeviceFacts(modalias: "usb:v054Cp0AAAd0001")))
        #expect(bare.model == nil)
        #expect(bare.evidence == [.modalias])
        let named = try #require(identifier.identify(DeviceFacts(name: "ULT WEAR", modalias: "usb:v054Cp0AAAd0001")))
        #expect(named.model?.id == "ULT WEAR")
    }

    @Test("bluetooth:v012D (Sony's SIG id) is Sony evidence; its product id does not name a model")
    func bluetoothSourceModalias() throws {
        let identification = try #require(identifier.identify(DeviceFacts(modalias: "bluetooth:v012Dp0D58d0001")))
        #expect(identification.evidence == [.modalias])
        #expect(identification.model == nil)
    }

    @Test("service UUID alone: Sony, generation from the UUID, in any case")
    func uuidAlone() throws {
        let v2 = try #require(identifier.identify(DeviceFacts(uuids: [v2UUID.lowercased()])))
        #expect(v2.generation == .v2)
        #expect(v2.model == nil)
        let v1 = try #require(identifier.identify(DeviceFacts(uuids: [v1UUID])))
        #expect(v1.generation == .v1)
        // The service UUID is enough even when the class says "not audio".
        #expect(identifier.identify(DeviceFacts(uuids: [v1UUID], deviceClass: 0x5A020C)) != nil)
    }

    @Test("without a UUID the generation comes from the catalogue's model")
    func generationFromCatalogue() throws {
        #expect(identifier.identify(DeviceFacts(name: "WH-1000XM5"))?.generation == .v2)
        #expect(identifier.identify(DeviceFacts(name: "WF-1000XM3"))?.generation == ProtocolGeneration.unknown)
        #expect(identifier.identify(DeviceFacts(manufacturerIDs: [0x012D]))?.generation == ProtocolGeneration.unknown)
    }

    @Test("Alias stands in for a missing Name, but never overrides one")
    func aliasFallback() throws {
        #expect(identifier.identify(DeviceFacts(name: nil, alias: "WH-1000XM4"))?.model?.id == "WH-1000XM4")
        #expect(identifier.identify(DeviceFacts(name: "", alias: "WH-1000XM4"))?.model?.id == "WH-1000XM4")
        #expect(identifier.identify(DeviceFacts(name: "Bose QC35 II", alias: "WH-1000XM4")) == nil)
    }

    struct Stranger: Sendable, CustomTestStringConvertible {
        let label: String
        let facts: DeviceFacts
        var testDescription: String { label }
    }

    @Test("not Sony audio devices", arguments: [
        Stranger(label: "Bose QC35 with its own Modalias", facts: DeviceFacts(
            address: "04:52:C7:00:00:01", name: "Bose QC35 II", alias: "Bose QC35 II",
            uuids: [a2dpSinkUUID, "0000110e-0000-1000-8000-00805f9b34fb"],
            modalias: "bluetooth:v009Ep4020d0152", manufacturerIDs: [0x009E],
            deviceClass: 0x240418, icon: "audio-headphones")),
        Stranger(label: "Sony Ericsson phone (company id 0x0056)", facts: DeviceFacts(
            name: "W810i", manufacturerIDs: [0x0056], deviceClass: 0x5A0204, icon: "phone")),
        Stranger(label: "Sony Ericsson id alone", facts: DeviceFacts(manufacturerIDs: [0x0056])),
        Stranger(label: "named Sony", facts: DeviceFacts(name: "Sony", deviceClass: 0x240404, icon: "audio-headset")),
        Stranger(label: "named Sony Xperia", facts: DeviceFacts(name: "Sony Xperia", alias: "Sony Xperia")),
        Stranger(label: "named LE_Sony", facts: DeviceFacts(name: "LE_Sony")),
        Stranger(label: "a name that only contains a model", facts: DeviceFacts(name: "My WH-1000XM4")),
        Stranger(label: "Apple AirPods", facts: DeviceFacts(
            name: "AirPods Pro", uuids: [a2dpSinkUUID, "74ec2172-0bad-4d01-8f77-997b2be0722a"],
            modalias: "bluetooth:v004Cp200Ed1A10", manufacturerIDs: [0x004C],
            deviceClass: 0x240418, icon: "audio-headphones")),
        Stranger(label: "Sony's USB id under the SIG source", facts: DeviceFacts(modalias: "bluetooth:v054Cp0D58d0301")),
        Stranger(label: "Sony's SIG id under the USB source", facts: DeviceFacts(modalias: "usb:v012Dp0D58d0301")),
        Stranger(label: "truncated Modalias", facts: DeviceFacts(modalias: "usb:v054C")),
        Stranger(label: "Modalias with junk after the product", facts: DeviceFacts(modalias: "usb:v054Cp0D58x0301")),
        Stranger(label: "PlayStation controller (Sony vendor, gamepad class)", facts: DeviceFacts(
            name: "DualSense Wireless Controller", modalias: "usb:v054Cp0CE6d0100",
            deviceClass: 0x002508, icon: "input-gaming")),
        Stranger(label: "Sony TV advert (Sony company id, display icon)", facts: DeviceFacts(
            name: "BRAVIA", manufacturerIDs: [0x012D], icon: "video-display")),
        Stranger(label: "nothing at all", facts: DeviceFacts()),
    ])
    func strangers(_ stranger: Stranger) {
        #expect(identifier.identify(stranger.facts) == nil)
    }

    /// Documented trade-off: with no class or icon to say otherwise, vendor-level evidence
    /// is taken as a Sony device of unknown model.
    @Test("vendor-only evidence without a contrary class or icon counts, model unknown")
    func vendorOnlyEvidence() throws {
        let modalias = try #require(identifier.identify(DeviceFacts(modalias: "usb:v054Cp0CE6d0100")))
        #expect(modalias.model == nil)
        let advert = try #require(identifier.identify(DeviceFacts(manufacturerIDs: [0x012D], icon: "audio-headset")))
        #expect(advert.evidence == [.manufacturerData])
    }
}
