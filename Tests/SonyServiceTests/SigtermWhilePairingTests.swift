import DBus
import DBusTestSupport
import Foundation
import SonyService
import Testing

extension FaultTests {
    /// SIGTERM while bluetoothd is pairing for a repair (the agent registered, Pair pending):
    /// sonyctld cancels the pairing, unregisters its agent itself, answers the caller
    /// `Cancelled` and records it, then exits 0. bluetoothd would drop the agent of a client
    /// that left anyway, so the test counts the daemon's own calls.
    @Suite(.timeLimit(.minutes(1)))
    struct SigtermWhilePairingTests {
        typealias World = DaemonProcessTests.World
        static let bluezPath = DaemonProcessTests.bluezPath

        @Test func sigtermWhilePairingCancelsThePairingAndUnregistersTheAgent() async throws {
            let world = try await World()
            let daemon = try await world.started(DaemonProcess(bus: world.bus))
            try await world.until("the XM4 connected") { (try? await world.property("Connected")) == .boolean(true) }
            // Unpaired but still known to BlueZ, and a Pair that takes its time.
            _ = try await world.bluez.control.call(destination: "org.bluez", path: Self.bluezPath, interface: .properties, member: "Set",
                                                   [.string("org.bluez.Device1"), .string("Trusted"), .variant(.boolean(false))])
            try await world.bluez.mock("SetProperties", [.objectPath(Self.bluezPath), .string("org.bluez.Device1"),
                                                         ["Paired": Variant(false), "Bonded": Variant(false)].dbusValue])
            try await world.drop()
            try await world.bluez.mock("QueueOutcome", [.objectPath(Self.bluezPath), .string("Pair"), .string(""), .string(""),
                                                        .uint32(30_000), [String: Variant]().dbusValue])
            let caller = try world.bus.connect()
            let repair = Task {
                try await caller.call(.methodCall(destination: DaemonNames.busName, path: DaemonProcessTests.xm4Path,
                                                  interface: DaemonNames.deviceInterface, member: "Repair",
                                                  body: [["SkipForget": Variant(true)].dbusValue]), timeout: .seconds(30))
            }
            try await world.until("pairing") { (try? await world.property("RepairState")) == .string("pairing") }
            try await world.until("the agent registered") { (try? await world.calls("RegisterAgent", on: "/org/bluez")) == 1 }
            try await world.until("Pair pending") { (try? await world.calls("Pair", on: Self.bluezPath)) == 1 }

            daemon.child.signal(SIGTERM)
            let (code, log) = try await daemon.exit()
            #expect(code == 0, "\(log)")
            let answer = await repair.result
            guard case .failure(let error) = answer else {
                Issue.record("the repair succeeded under SIGTERM")
                return
            }
            #expect((error as? DBusError)?.name.rawValue == "org.sonyctl.Daemon1.Error.Cancelled", "\(error)")
            #expect(try await world.calls("CancelPairing", on: Self.bluezPath) == 1, "bluetoothd told to stop pairing: \(log)")
            #expect(try await world.calls("UnregisterAgent", on: "/org/bluez") == 1, "the agent unregistered by the daemon: \(log)")
            let next = try await world.started(DaemonProcess(bus: world.bus, stateDirectory: daemon.stateDirectory))
            let kinds = try await world.historyKinds()
            #expect(kinds.suffix(2) == ["repair-started", "repair-cancelled"], "\(kinds)")
            #expect(next.child.hasExited == false)
        }
    }
}
