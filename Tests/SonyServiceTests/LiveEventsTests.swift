import BlueZ
import DBus
import DBusTestSupport
import Testing

/// Battery and drop reasons as they reach the mirror from our simulated BlueZ.
@Suite(.timeLimit(.minutes(1)))
struct LiveEventsTests {
    @Test func batteryAndDisconnectReasonsReachTheMirror() async throws {
        let bus = try PrivateBus()
        let bluez = try await SonyBlueZ(bus: bus)
        let path = try await bluez.addDevice("AA:BB:CC:DD:EE:01", "WH-1000XM4", ["Modalias": Variant("usb:v054Cp0D58d0301")])
        let client = BlueZClient(connection: try bus.connect())
        let events = client.events()
        let runner = Task { try await client.run() }
        defer { runner.cancel() }
        _ = try await first(events, within: .seconds(30), "the sync") { $0 == .available }

        _ = try await bluez.control.call(destination: "org.bluez", path: "/", interface: "org.sonyctl.Mock", member: "SetBattery", [.objectPath(path), .byte(42)])
        _ = try await first(events, within: .seconds(30), "the battery") { event in
            if case .deviceChanged(let device, let keys) = event { return keys.contains("Battery") && device.battery == 42 }
            return false
        }
        try await client.connect(path)
        _ = try await bluez.control.call(
            destination: "org.bluez", path: "/", interface: "org.sonyctl.Mock", member: "DropConnection",
            [.objectPath(path), .string("org.bluez.Reason.Timeout"), .string("Connection timeout"), .boolean(true)])
        let drop = try await first(events, within: .seconds(30), "the drop") { event in
            if case .deviceDisconnected = event { return true }
            return false
        }
        guard case .deviceDisconnected(let device, let reason, let message) = drop else { return }
        #expect(device.path == path)
        #expect(reason == .timeout)
        #expect(message == "Connection timeout")
        try await waitUntil(client) { $0.devices[path]?.connected == false }
    }
}

func waitUntil(_ client: BlueZClient, _ condition: @escaping @Sendable (ObjectTree) -> Bool) async throws {
    try await withDeadline(.seconds(30), "the mirror") {
        while !condition(client.tree) { try await Task.sleep(for: .milliseconds(10)) }
    }
}
