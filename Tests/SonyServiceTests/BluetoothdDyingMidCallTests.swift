import DBus
import DBusTestSupport
import SonyService
import Testing

extension FaultTests {
    /// bluetoothd dying with a call of the repair's pending: the bus answers that call
    /// NoReply, possibly before the mirror has heard that bluetoothd left. The repair must
    /// still end BluezUnavailable, not a mysterious Failed.
    @Suite(.timeLimit(.minutes(1)))
    struct BluetoothdDyingMidCallTests {
        @Test func bluetoothdDyingWithStartDiscoveryPendingIsBluezUnavailable() async throws {
            let f = try await RepairFixture()
            var bluez = f.bluez
            // A race: each round is a chance for the NoReply to overtake NameOwnerChanged. One
            // daemon throughout; a new bluetoothd each round.
            for round in 0..<8 {
                if round > 0 {
                    bluez = try await SonyBlueZ(bus: f.bus)
                    try await bluez.addDevice(RepairFixture.xm4, "WH-1000XM4", RepairFixture.xm4Properties.merging([
                        "Paired": Variant(true), "Trusted": Variant(true), "Connected": Variant(true), "ServicesResolved": Variant(true),
                    ]) { $1 })
                    try await f.until("the XM4 back") { (try? await f.property("Connected")) == .boolean(true) }
                }
                _ = try await bluez.mock("SetDiscoveryReplyDelay", [.string("hci0"), .uint32(5000)])
                async let ended = f.repairError(["Timeout": Variant(UInt32(60))])
                let current = bluez
                try await f.until("StartDiscovery pending") { (try? await RepairTests.rows(current)) == [true] }
                bluez.mock.kill()
                let error = try await ended
                #expect(error.name.rawValue == "org.sonyctl.Daemon1.Error.BluezUnavailable", "round \(round): \(error)")
            }
        }
    }
}
