import DBus
import DBusTestSupport
import SonyService
import Testing

/// Anyone on the system bus can send a signal shaped like bluetoothd's. The
/// daemon believes only the owner of `org.bluez`: a rogue's drops, removals and
/// disconnect reasons must leave the device, its health and its history alone.
@Suite(.timeLimit(.minutes(1)))
struct SpoofedBlueZTests {
    @Test func aRoguesDropsAndRemovalsChangeNothing() async throws {
        let world = try await RepairFixture()
        let rogue = try world.bus.connect()
        let device = RepairFixture.bluezPath
        for _ in 0..<3 {
            try rogue.send(.signal(path: device, interface: "org.bluez.Device1", member: "Disconnected", body: [
                .string("org.bluez.Reason.Remote"), .string("spoofed"),
            ]))
            try rogue.send(.signal(path: device, interface: .properties, member: "PropertiesChanged", body: [
                .string("org.bluez.Device1"), ["Connected": Variant(false), "ServicesResolved": Variant(false)].dbusValue, .array(.string, []),
            ]))
        }
        try rogue.send(.signal(path: .root, interface: .objectManager, member: "InterfacesRemoved", body: [
            .objectPath(device), .array(.string, [.string("org.bluez.Device1")]),
        ]))
        // A real change after the spoofs, from bluetoothd: once it shows, the spoofs would have.
        try await world.setBattery(42)
        try await world.until("the real battery level") { (try? await world.property("Battery")) == .int32(42) }

        #expect(try await world.property("Connected") == .boolean(true))
        #expect(try await world.property("Present") == .boolean(true))
        #expect(try await world.property("DisconnectsLastHour") == .uint32(0))
        #expect(try await world.property("Health") == .string("ok"))
        let kinds = try await world.historyKinds()
        #expect(kinds == ["connected", "battery"], "the connection found at start and the real battery change only: \(kinds)")
        #expect(world.patterns.isEmpty)
    }
}
