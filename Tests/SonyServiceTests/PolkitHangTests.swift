import DBus
import DBusTestSupport
import Foundation
import SonyService
import Testing

extension FaultTests {
    /// polkit hangs: its CheckAuthorization never answers. The caller is refused once the
    /// daemon's own call to polkit times out (`polkit_timeout_seconds`), and everyone else is
    /// served meanwhile: reads at once, a second caller on its own clock, not behind the first.
    @Suite(.timeLimit(.minutes(1)))
    struct PolkitHangTests {
        typealias World = DaemonProcessTests.World
        static let timeout = 2

        @Test func aHungPolkitCostsEachCallerItsTimeoutAndNobodyElseAnything() async throws {
            let world = try await World(polkitHangs: true)
            let config = try TemporaryDirectory.make(prefix: "sonyctld-config") + "/sonyctld.yaml"
            try "polkit_timeout_seconds: \(Self.timeout)\n".write(toFile: config, atomically: false, encoding: .utf8)
            let daemon = try await world.started(DaemonProcess(bus: world.bus, arguments: ["--config", config]))
            try await world.until("the XM4's object") { (try? await world.property("Connected")) == .boolean(true) }

            let clock = ContinuousClock()
            let start = clock.now
            let forgets = try (0..<2).map { _ in try world.bus.connect() }.map { caller in
                Task { () -> (DBusError?, Duration) in
                    do {
                        _ = try await caller.call(.methodCall(destination: DaemonNames.busName, path: DaemonProcessTests.xm4Path,
                                                              interface: DaemonNames.deviceInterface, member: "Forget"), timeout: .seconds(30))
                        return (nil, clock.now - start)
                    } catch let error as DBusError {
                        return (error, clock.now - start)
                    }
                }
            }
            // Both wait on polkit now; reads and the watch go on.
            try await Task.sleep(for: .milliseconds(300))
            for _ in 0..<5 {
                let asked = clock.now
                _ = try await world.historyKinds()
                #expect(try await world.property("Present") == .boolean(true))
                _ = try await world.client.call(destination: DaemonNames.busName, path: DaemonNames.managerPath,
                                                interface: DaemonNames.managerInterface, member: "ResolveDevice", [.string("WH-1000XM4")])
                #expect(clock.now - asked < .seconds(1), "reads do not wait for polkit")
            }
            try await world.drop()
            try await world.until("the drop, seen while polkit hangs") { (try? await world.property("Connected")) == .boolean(false) }
            #expect(clock.now - start < .seconds(Self.timeout), "all of it before polkit's timeout")

            for forget in forgets {
                let (error, took) = try await forget.value
                #expect(error?.name.rawValue == "org.sonyctl.Daemon1.Error.NotAuthorized", "\(String(describing: error))")
                #expect(error?.message.contains("polkit") == true, "\(String(describing: error))")
                #expect(took >= .seconds(Self.timeout) - .milliseconds(100), "refused when polkit's time was up: \(took)")
                // Two callers in line behind one polkit call would take twice as long.
                #expect(took < .seconds(Self.timeout) + .milliseconds(1500), "each on its own clock: \(took)")
            }
            #expect(try await world.calls("RemoveDevice", on: "/org/bluez/hci0") == 0, "nothing forgotten without polkit's yes")
            #expect(try await world.historyKinds() == ["connected", "disconnected"])
            #expect(daemon.child.hasExited == false)
        }
    }
}
