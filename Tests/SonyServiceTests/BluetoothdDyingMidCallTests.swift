import DBus
import DBusTestSupport
import SonyService
import Testing

/// bluetoothd dying with a call of the repair's pending: the bus answers that call
/// NoReply, possibly before the mirror has heard that bluetoothd left. The repair must
/// still end BluezUnavailable, not a mysterious Failed.
@Suite(.timeLimit(.minutes(1)))
struct BluetoothdDyingMidCallTests {
    @Test func bluetoothdDyingWithStartDiscoveryPendingIsBluezUnavailable() async throws {
        // A race: each round is a chance for the NoReply to overtake NameOwnerChanged.
        for _ in 0..<10 {
            let f = try await RepairFixture()
            _ = try await f.bluez.mock("SetDiscoveryReplyDelay", [.string("hci0"), .uint32(5000)])
            async let ended = f.repairError(["Timeout": Variant(UInt32(60))])
            try await f.until("StartDiscovery pending") { (try? await f.discoverySessions().map(\.1)) == [true] }
            f.bluez.mock.kill()
            let error = try await ended
            #expect(error.name.rawValue == "org.sonyctl.Daemon1.Error.BluezUnavailable", "\(error)")
        }
    }
}
