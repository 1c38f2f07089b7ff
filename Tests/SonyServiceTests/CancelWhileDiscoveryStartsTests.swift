import DBus
import DBusTestSupport
import SonyService
import Testing

extension FaultTests {
    /// Found by the soak: a repair cancelled while bluetoothd had its StartDiscovery but had
    /// not answered yet left that discovery session running, so every later repair on the
    /// adapter got InProgress until bluetoothd restarted (30 s of retries, then Timeout).
    @Suite(.timeLimit(.minutes(1)))
    struct CancelWhileDiscoveryStartsTests {
        @Test func aRepairCancelledBeforeStartDiscoveryAnswersStillStopsThatDiscovery() async throws {
            let f = try await RepairFixture()
            // bluetoothd starts the session at once and answers 1.5 s later.
            _ = try await f.bluez.mock("SetDiscoveryReplyDelay", [.string("hci0"), .uint32(1500)])
            async let ended = f.repairError(["Timeout": Variant(UInt32(60))])
            try await f.until("bluetoothd discovering for the daemon") { (try? await f.discoverySessions().map(\.1)) == [true] }
            try await f.cancelRepair()
            #expect(try await ended.name.rawValue == "org.sonyctl.Daemon1.Error.Cancelled")
            // CancelRepair answers once the job has cleaned up.
            #expect(try await f.discoverySessions().allSatisfy { !$0.1 }, "the session the cancelled call started, stopped")

            _ = try await f.bluez.mock("SetDiscoveryReplyDelay", [.string("hci0"), .uint32(0)])
            try await f.enterPairingMode()
            try await f.repair(["Timeout": Variant(UInt32(5))])
            #expect(f.progress.last?.stage == "succeeded", "the next repair can discover")
        }
    }
}
