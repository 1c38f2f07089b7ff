import BlueZ
import DBus
import DBusTestSupport
import SonyCore
import SonyService
import Testing

/// Identification end to end: devices as the simulated BlueZ reports them,
/// through the live mirror, into the identifier with the shipped catalogue.
@Suite(.timeLimit(.minutes(1)))
struct IdentificationOnBlueZTests {
    @Test func everyCatalogueModelAndNoImpostor() async throws {
        let catalogue = try ModelCatalogue.load(contentsOf: SonyBlueZ.catalogue)
        let bus = try PrivateBus()
        let bluez = try await SonyBlueZ(bus: bus)
        var expected: [String: String?] = [:]
        for (index, model) in catalogue.models.enumerated() {
            let address = "AA:00:00:00:00:" + String(format2: index)
            var props: [String: Variant] = ["Class": Variant(UInt32(0x240404))]
            // A different firmware `d` field than any real one: only vendor and product may count.
            if let pid = model.productIDHex { props["Modalias"] = Variant("usb:v054Cp\(pid)d9999") }
            try await bluez.addDevice(address, model.names[0], props)
            expected[address] = model.id
        }
        let impostors: [(String, String, [String: Variant])] = [
            ("BB:00:00:00:00:01", "Bose QC35 II", ["Modalias": Variant("bluetooth:v009Ep4020d0100"), "Class": Variant(UInt32(0x240404))]),
            ("BB:00:00:00:00:02", "W800i", ["ManufacturerData": Variant([UInt16(0x0056): Variant([UInt8(1)])]), "Class": Variant(UInt32(0x5A020C))]),
            ("BB:00:00:00:00:03", "Sony", ["Class": Variant(UInt32(0x240404))]),
            ("BB:00:00:00:00:04", "AirPods Pro", ["Modalias": Variant("bluetooth:v004Cp200Ed0100"), "Class": Variant(UInt32(0x240418))]),
        ]
        for (address, name, props) in impostors {
            try await bluez.addDevice(address, name, props)
            expected[address] = .some(nil)
        }

        let client = BlueZClient(connection: try bus.connect())
        let runner = Task { try await client.run() }
        defer { runner.cancel() }
        let total = expected.count
        // The mock sets each device's Sony properties right after adding it, so
        // once the last one's Modalias shows, everything before it has too.
        let events = client.events()
        if !Self.complete(client.tree, total) {
            _ = try await first(events, within: .seconds(30), "the mirror") { _ in Self.complete(client.tree, total) }
        }
        let identifier = SonyIdentifier(catalogue: catalogue)
        for device in client.tree.devices.values {
            let address = try #require(device.address?.description)
            let result = identifier.identify(DeviceFacts(device))
            #expect(result?.model?.id == expected[address] ?? nil, "\(device.displayName) \(device.modalias ?? "-")")
            if expected[address] == .some(nil) { #expect(result == nil, "\(device.displayName) must not be Sony") }
            if let model = result?.model, model.productID != nil { #expect(result?.evidence.contains(.modalias) == true) }
        }
    }
}

extension IdentificationOnBlueZTests {
    static func complete(_ tree: ObjectTree, _ total: Int) -> Bool {
        tree.devices.count == total
            && tree.devices.values.contains { $0.address?.description == "BB:00:00:00:00:04" && $0.modalias?.isEmpty == false }
    }
}

extension String {
    init(format2 value: Int) {
        let hex = String(value, radix: 16, uppercase: true)
        self = value < 16 ? "0" + hex : hex
    }
}
