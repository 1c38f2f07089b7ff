import DBus
import DBusTestSupport
import Foundation
import SonyService
import Testing

extension FaultTests {
    /// The system bus goes away (dbus-daemon killed): sonyctld exits non-zero at once, so that
    /// systemd restarts it, and the run systemd starts finds every event the first one
    /// acknowledged, the last drop before the loss included.
    @Suite(.timeLimit(.minutes(1)))
    struct BusLossTests {
        typealias World = DaemonProcessTests.World

        @Test func theHistoryOutlivesTheBusAndTheRestartServesAllOfIt() async throws {
            let world = try await World()
            let daemon = try await world.started(DaemonProcess(bus: world.bus))
            for drops in 1...3 {
                try await world.drop()
                // Published after the row is on disk: the drop is acknowledged.
                try await world.until("drop \(drops)") { (try? await world.property("DisconnectsLastHour")) == .uint32(UInt32(drops)) }
                if drops < 3 {
                    try await world.reconnect()
                    try await world.until("reconnect \(drops)") { (try? await world.property("Connected")) == .boolean(true) }
                }
            }
            let before = try await Self.rows(world)
            #expect(before.compactMap { $0.dropFirst().first?.stringValue }.filter { $0 == "disconnected" }.count == 3, "\(before)")

            let clock = ContinuousClock()
            let lost = clock.now
            world.bus.stop()
            let (code, log) = try await daemon.exit(within: .seconds(5))
            #expect(code == 1, "a failure, so that systemd restarts it: \(log)")
            #expect(clock.now - lost < .seconds(2), "at once, not after a timeout")
            #expect(log.contains("system bus went away"), "\(log)")
            #expect(!log.contains("could not record"), "\(log)")

            // The bus is back (a new dbus-daemon, a new bluetoothd with the XM4 connected again).
            let back = try await World()
            let restarted = try await back.started(DaemonProcess(bus: back.bus, stateDirectory: daemon.stateDirectory))
            try await back.until("the XM4 seen again") { (try? await back.property("Connected")) == .boolean(true) }
            let after = try await Self.rows(back)
            #expect(Array(after.prefix(before.count)) == before, "every row as it was, times and reasons included")
            #expect(after.dropFirst(before.count).compactMap { $0.dropFirst().first?.stringValue } == ["connected"], "\(after)")
            #expect(try await back.property("DisconnectsLastHour") == .uint32(3), "the drops still count after the restart")
            #expect(restarted.child.hasExited == false)
        }

        static func rows(_ world: World) async throws -> [[DBusValue]] {
            let reply = try await world.client.call(destination: DaemonNames.busName, path: DaemonProcessTests.xm4Path,
                                                    interface: DaemonNames.deviceInterface, member: "GetHistory", [.uint64(0), .uint32(0)])
            return RepairFixture.rows(reply)
        }
    }
}
