import SonyCore
import Testing

@Suite("Registry")
struct RegistryTests {
    let catalogue: ModelCatalogue

    init() throws {
        catalogue = try shippedCatalogue()
    }

    private let headset = "AA:BB:CC:DD:EE:01"
    private let twin = "AA:BB:CC:DD:EE:02"

    private func classicXM4(_ address: String = "AA:BB:CC:DD:EE:01") -> DeviceFacts {
        DeviceFacts(address: address, name: "WH-1000XM4", uuids: [v1UUID], modalias: "usb:v054Cp0D58d0301")
    }

    private func leXM4(_ address: String = "AA:BB:CC:DD:EE:02") -> DeviceFacts {
        DeviceFacts(address: address, name: "LE_WH-1000XM4", manufacturerIDs: [0x012D])
    }

    @Test("a new Sony device is added; a stranger is ignored and not recorded")
    func addAndIgnore() {
        var registry = SonyRegistry(catalogue: catalogue)
        guard case .added(let device) = registry.update(classicXM4()) else {
            Issue.record("not added")
            return
        }
        #expect(device.address == headset)
        #expect(device.model?.id == "WH-1000XM4")
        #expect(device.evidence == [.serviceUUID, .modalias, .name])
        #expect(device.isPresent)
        #expect(registry.update(DeviceFacts(address: "04:52:C7:00:00:01", name: "Bose QC35 II")) == .ignored)
        #expect(registry.update(DeviceFacts(name: "WH-1000XM4")) == .ignored)  // no address
        #expect(registry.devices.map(\.address) == [headset])
    }

    @Test("addresses are matched in any case and reported in upper case")
    func addressCase() {
        var registry = SonyRegistry(catalogue: catalogue)
        _ = registry.update(classicXM4("aa:bb:cc:dd:ee:01"))
        #expect(registry.device(at: headset)?.address == headset)
        #expect(registry.device(at: "Aa:bB:cc:DD:ee:01") != nil)
    }

    /// BlueZ rewrites Modalias after pairing and may drop Name: the identification stays.
    @Test("identification is sticky when later facts lose the evidence")
    func sticky() throws {
        var registry = SonyRegistry(catalogue: catalogue)
        _ = registry.update(DeviceFacts(address: headset, name: "WH-1000XM4", modalias: "usb:v054Cp0D58d0301"))

        let change = registry.update(DeviceFacts(address: headset, modalias: "bluetooth:v0000p0000d0000"))
        guard case .unchanged(let device) = change else {
            Issue.record("expected .unchanged, got \(change)")
            return
        }
        #expect(device.model?.id == "WH-1000XM4")
        #expect(device.name == "WH-1000XM4")
        #expect(device.evidence == [.modalias, .name])
        #expect(device.generation == .v1)
        #expect(registry.update(DeviceFacts(address: headset)) == .unchanged(device))
    }

    @Test("the model is upgraded from unknown to known, never replaced")
    func upgradeNeverDowngrade() throws {
        var registry = SonyRegistry(catalogue: catalogue)
        guard case .added(let first) = registry.update(DeviceFacts(address: headset, manufacturerIDs: [0x012D])) else {
            Issue.record("not added")
            return
        }
        #expect(first.model == nil)
        #expect(first.generation == .unknown)

        guard case .updated(let old, let new) = registry.update(DeviceFacts(address: headset, name: "WH-1000XM5")) else {
            Issue.record("not updated")
            return
        }
        #expect(old == first)
        #expect(new.model?.id == "WH-1000XM5")
        #expect(new.generation == .v2)
        #expect(new.evidence == [.manufacturerData, .name])

        // A different model's Modalias later does not replace it; the evidence is recorded.
        _ = registry.update(DeviceFacts(address: headset, modalias: "usb:v054Cp0D58d0301"))
        let device = try #require(registry.device(at: headset))
        #expect(device.model?.id == "WH-1000XM5")
        #expect(device.evidence == [.modalias, .manufacturerData, .name])
    }

    @Test("LE twin after the classic device: linked, no entry of its own")
    func twinAfterClassic() {
        var registry = SonyRegistry(catalogue: catalogue)
        _ = registry.update(classicXM4())
        #expect(registry.update(leXM4()) == .lowEnergyTwin(address: twin, twin: headset))
        #expect(registry.device(at: twin) == nil)
        #expect(registry.isLowEnergyTwin(twin))
        #expect(!registry.isLowEnergyTwin(headset))
        #expect(registry.devices.map(\.address) == [headset])
        #expect(registry.twin(of: headset) == twin)
        #expect(registry.twin(of: twin.lowercased()) == headset)
    }

    @Test("LE twin before the classic device: linked when the classic device arrives")
    func twinBeforeClassic() {
        var registry = SonyRegistry(catalogue: catalogue)
        #expect(registry.update(leXM4()) == .lowEnergyTwin(address: twin, twin: nil))
        #expect(registry.devices.isEmpty)
        #expect(registry.twin(of: twin) == nil)
        guard case .added = registry.update(classicXM4()) else {
            Issue.record("classic device not added")
            return
        }
        #expect(registry.twin(of: headset) == twin)
        #expect(registry.twin(of: twin) == headset)
    }

    @Test("a classic device whose model is learnt later is linked then")
    func twinLinkedOnModelUpgrade() {
        var registry = SonyRegistry(catalogue: catalogue)
        _ = registry.update(leXM4())
        _ = registry.update(DeviceFacts(address: headset, manufacturerIDs: [0x012D]))
        #expect(registry.twin(of: headset) == nil)
        _ = registry.update(DeviceFacts(address: headset, modalias: "usb:v054Cp0D58d0301"))
        #expect(registry.twin(of: headset) == twin)
    }

    @Test("twins of another model, or of two identical headsets, are not linked")
    func noWrongLinks() {
        var registry = SonyRegistry(catalogue: catalogue)
        _ = registry.update(classicXM4())
        #expect(registry.update(DeviceFacts(address: twin, name: "LE_WH-1000XM5")) == .lowEnergyTwin(address: twin, twin: nil))

        var pair = SonyRegistry(catalogue: catalogue)
        _ = pair.update(classicXM4("AA:BB:CC:DD:EE:01"))
        _ = pair.update(classicXM4("AA:BB:CC:DD:EE:03"))
        #expect(pair.update(leXM4()) == .lowEnergyTwin(address: twin, twin: nil))
        #expect(pair.twin(of: "AA:BB:CC:DD:EE:01") == nil)
        #expect(pair.twin(of: "AA:BB:CC:DD:EE:03") == nil)
    }

    @Test("the LE twin stays a twin when its name goes missing")
    func twinRoleIsSticky() {
        var registry = SonyRegistry(catalogue: catalogue)
        _ = registry.update(classicXM4())
        _ = registry.update(leXM4())
        #expect(registry.update(DeviceFacts(address: twin, manufacturerIDs: [0x012D])) == .lowEnergyTwin(address: twin, twin: headset))
        #expect(registry.device(at: twin) == nil)
    }

    @Test("an LE-named address that later shows classic evidence becomes the audio device")
    func dualModeSameAddress() {
        var registry = SonyRegistry(catalogue: catalogue)
        #expect(registry.update(leXM4(headset)) == .lowEnergyTwin(address: headset, twin: nil))
        // Manufacturer data alone is what LE adverts carry: still a twin.
        #expect(registry.update(DeviceFacts(address: headset, manufacturerIDs: [0x012D]))
            == .lowEnergyTwin(address: headset, twin: nil))
        guard case .added(let device) = registry.update(classicXM4(headset)) else {
            Issue.record("not promoted")
            return
        }
        #expect(device.model?.id == "WH-1000XM4")
        #expect(!registry.isLowEnergyTwin(headset))
        #expect(registry.devices.map(\.address) == [headset])
    }

    @Test("removing the twin unlinks it; the classic device keeps its entry")
    func removeTwin() {
        var registry = SonyRegistry(catalogue: catalogue)
        _ = registry.update(classicXM4())
        _ = registry.update(leXM4())
        #expect(registry.remove(address: twin) == .lowEnergyTwinDeparted(address: twin, twin: headset))
        #expect(registry.twin(of: headset) == nil)
        #expect(registry.twin(of: twin) == nil)
        #expect(registry.device(at: headset)?.isPresent == true)
        // It comes back: linked again.
        #expect(registry.update(leXM4()) == .lowEnergyTwin(address: twin, twin: headset))
    }

    @Test("removing the classic device keeps its identification and, while the twin is present, the link")
    func removeClassic() throws {
        var registry = SonyRegistry(catalogue: catalogue)
        _ = registry.update(classicXM4())
        _ = registry.update(leXM4())
        guard case .departed(let gone) = registry.remove(address: headset) else {
            Issue.record("not departed")
            return
        }
        #expect(!gone.isPresent)
        #expect(gone.model?.id == "WH-1000XM4")
        // Forget of the departed headset must still remove its twin.
        #expect(registry.twin(of: headset) == twin)

        // It returns with hardly any facts: still the same model, present again.
        guard case .updated(_, let back) = registry.update(DeviceFacts(address: headset)) else {
            Issue.record("not updated")
            return
        }
        #expect(back.isPresent)
        #expect(back.model?.id == "WH-1000XM4")
        #expect(registry.remove(address: "11:22:33:44:55:66") == .ignored)
    }

    @Test("a twin that arrives while its classic device is away waits for it")
    func twinWhileClassicAway() {
        var registry = SonyRegistry(catalogue: catalogue)
        _ = registry.update(classicXM4())
        _ = registry.remove(address: headset)
        #expect(registry.update(leXM4()) == .lowEnergyTwin(address: twin, twin: nil))
        _ = registry.update(classicXM4())
        #expect(registry.twin(of: twin) == headset)
    }
}
