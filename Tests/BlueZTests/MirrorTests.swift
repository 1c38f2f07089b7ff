import BlueZ
import DBus
import DBusTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(1)))
struct MirrorTests {
    let bus: PrivateBus
    var bluez: SimulatedBlueZ
    let client: BlueZClient
    let runner: Task<Void, any Error>

    init() async throws {
        bus = try PrivateBus()
        bluez = try await SimulatedBlueZ(bus: bus)
        try await bluez.addAdapter()
        try await bluez.addDevice("AA:BB:CC:DD:EE:01", "WH-1000XM4")
        try await bluez.addDevice("AA:BB:CC:DD:EE:02", "Bose QC35")
        let connection = try bus.connect()
        let client = BlueZClient(connection: connection)
        self.client = client
        runner = Task { try await client.run() }
        try await waitFor(client, "the first sync") { $0.devices.count == 2 }
    }

    @Test func firstSyncHoldsEveryAdapterAndDevice() async throws {
        let tree = client.tree
        let adapter = try #require(tree.adapters["/org/bluez/hci0"])
        #expect(adapter.id == "hci0")
        #expect(adapter.powered)
        let device = try #require(tree.devices["/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01"])
        #expect(device.address?.description == "AA:BB:CC:DD:EE:01")
        #expect(device.alias == "WH-1000XM4")
        #expect(device.adapter == "/org/bluez/hci0")
        runner.cancel()
    }

    @Test func bluetoothctlAgreesWithTheMirror() async throws {
        let result = try await run(["bluetoothctl", "devices"], environment: bus.environment)
        let listed = Set(result.stdout.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: " ")
            return parts.count >= 2 && parts[0] == "Device" ? String(parts[1]) : nil
        })
        let mirrored = Set(client.tree.devices.values.compactMap { $0.address?.description })
        #expect(!listed.isEmpty, "\(result.stdout) \(result.stderr)")
        #expect(listed == mirrored)
        runner.cancel()
    }

    @Test func aSubscriberIgnoringRSSIIsNotWokenByAStormButCountsWhatItGets() async throws {
        let path: ObjectPath = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01"
        let (events, produced) = client.events(ignoringChangesTo: ["RSSI"])
        let start = produced()
        for rssi in stride(from: -40, to: -90, by: -1) {
            try await bluez.update(path, "org.bluez.Device1", ["RSSI": Variant(Int16(rssi))])
        }
        try await bluez.update(path, "org.bluez.Device1", ["Connected": Variant(true), "RSSI": Variant(Int16(-33))])
        try await waitFor(client, "the connect") { $0.devices[path]?.connected == true }
        #expect(client.tree.devices[path]?.rssi == -33, "the mirror took in every RSSI")
        #expect(produced() == start + 1, "only the change that touched more than RSSI")
        var iterator = events.makeAsyncIterator()
        guard case .deviceChanged(let device, let changed)? = await iterator.next() else {
            Issue.record("no event")
            return
        }
        #expect(changed == ["Connected", "RSSI"] && device.rssi == -33)
        runner.cancel()
    }

    @Test func followsDevicesPropertiesAndAdapters() async throws {
        let path = try await bluez.addDevice("AA:BB:CC:DD:EE:03", "WF-1000XM5")
        try await waitFor(client, "the new device") { $0.devices[path] != nil }
        try await bluez.update(path, "org.bluez.Device1", ["Modalias": Variant("usb:v054Cp0E63d0100"), "RSSI": Variant(Int16(-50))])
        try await waitFor(client, "the Modalias") { $0.devices[path]?.modalias == "usb:v054Cp0E63d0100" }
        #expect(client.tree.devices[path]?.rssi == -50)
        try await client.removeDevice(path)
        try await waitFor(client, "the removal") { $0.devices[path] == nil }
        try await bluez.removeAdapter()
        try await waitFor(client, "the adapter removal") { $0.adapters.isEmpty && $0.devices.isEmpty }
        runner.cancel()
    }

    @Test func operationsReachBlueZAndComeBackThroughTheMirror() async throws {
        let path: ObjectPath = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01"
        try await client.pair(path)
        try await client.setTrusted(path, true)
        try await client.connect(path)
        try await waitFor(client, "paired, trusted, connected") { tree in
            guard let d = tree.devices[path] else { return false }
            return d.paired && d.trusted && d.connected
        }
        try await client.disconnect(path)
        try await waitFor(client, "disconnected") { $0.devices[path]?.connected == false }
        let missing: ObjectPath = "/org/bluez/hci0/dev_00_00_00_00_00_00"
        let error = try await #require(throws: BlueZError.self) { try await client.connect(missing) }
        #expect(error.kind == .unknownObject || error.kind == .doesNotExist)
        runner.cancel()
    }

    /// Signals shaped like BlueZ's but sent by someone else change nothing.
    @Test func spoofedSignalsAreIgnored() async throws {
        let rogue = try bus.connect()
        let fake: ObjectPath = "/org/bluez/hci0/dev_66_66_66_66_66_66"
        try rogue.send(.signal(path: .root, interface: .objectManager, member: "InterfacesAdded", body: [
            .objectPath(fake), ["org.bluez.Device1": ["Address": Variant("66:66:66:66:66:66")]].dbusValue as DBusValue,
        ]))
        try rogue.send(.signal(path: "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01", interface: .properties, member: "PropertiesChanged", body: [
            .string("org.bluez.Device1"), ["Alias": Variant("pwned")].dbusValue, .array(.string, []),
        ]))
        // A real change after the spoofs: once it shows, the spoofs would have too.
        try await bluez.update("/org/bluez/hci0/dev_AA_BB_CC_DD_EE_02", "org.bluez.Device1", ["RSSI": Variant(Int16(-70))])
        try await waitFor(client, "the real change") { $0.devices["/org/bluez/hci0/dev_AA_BB_CC_DD_EE_02"]?.rssi == -70 }
        #expect(client.tree.devices[fake] == nil)
        #expect(client.tree.devices["/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01"]?.alias == "WH-1000XM4")
        runner.cancel()
    }

    /// bluetoothd itself sending bodies of the wrong shape cannot hurt the mirror.
    @Test func malformedSignalsFromBlueZAreIgnored() async throws {
        let device: ObjectPath = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01"
        try await bluez.emit(from: device, "org.freedesktop.DBus.Properties", "PropertiesChanged", [.uint32(1)])
        try await bluez.emit(from: .root, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded", [.string("not a path")])
        try await bluez.emit(from: device, "org.bluez.Device1", "Disconnected", [.int32(3)])
        try await bluez.update(device, "org.bluez.Device1", ["RSSI": Variant("loud"), "Connected": Variant(UInt32(1)), "Paired": Variant(true)])
        try await waitFor(client, "the well-typed property") { $0.devices[device]?.paired == true }
        #expect(client.tree.devices[device]?.rssi == nil)
        #expect(client.tree.devices[device]?.connected == false)
        runner.cancel()
    }

    @Test func survivesBluetoothdBeingKilledAndComingBack() async throws {
        let events = client.events()
        var bluez = self.bluez
        bluez.mock.kill()
        _ = try await first(events, within: .seconds(30), "unavailable") { $0 == .unavailable }
        #expect(client.tree.devices.isEmpty && client.tree.adapters.isEmpty)
        #expect(!client.isAvailable)
        let error = try await #require(throws: BlueZError.self) { try await client.startDiscovery("/org/bluez/hci0") }
        #expect(error.kind == .bluezUnavailable)

        try await bluez.restart()
        try await bluez.addAdapter("hci1")
        try await bluez.addDevice("AA:BB:CC:DD:EE:09", "LinkBuds S", adapter: "hci1")
        try await waitFor(client, "the resync") { $0.devices["/org/bluez/hci1/dev_AA_BB_CC_DD_EE_09"] != nil }
        #expect(client.isAvailable)
        #expect(client.tree.adapters.keys.map(\.rawValue) == ["/org/bluez/hci1"])
        runner.cancel()
    }
}
