import BlueZ
import DBus
import DBusTestSupport
import Foundation
import SonyCore
import SonyService
import Testing

/// The built `sonyctld` as systemd runs it: configuration, state directory, signals,
/// the bus going away, a SIGKILL, and what it logs.
@Suite(.timeLimit(.minutes(1)))
struct DaemonProcessTests {
    static let xm4 = "AA:BB:CC:DD:EE:01"
    static let xm4Path: ObjectPath = "/org/sonyctl/Daemon1/devices/dev_AA_BB_CC_DD_EE_01"
    static let bluezPath: ObjectPath = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01"

    /// A private system bus, the simulated BlueZ with a connected XM4, and polkit allowing
    /// (or, `polkitHangs`, one whose CheckAuthorization never answers).
    struct World {
        let bus: PrivateBus
        let bluez: SonyBlueZ
        let polkit: DBusMock
        let client: Connection
        static let authority: ObjectPath = "/org/freedesktop/PolicyKit1/Authority"

        init(polkitHangs: Bool = false) async throws {
            bus = try PrivateBus(type: "system")
            bluez = try await SonyBlueZ(bus: bus)
            client = try bus.connect()
            if polkitHangs {
                polkit = try await DBusMock.object(
                    name: "org.freedesktop.PolicyKit1", path: Self.authority, interface: "org.freedesktop.PolicyKit1.Authority", on: bus)
                // The mock's one thread sleeps in the first call: no answer, ever, to anyone.
                _ = try await client.call(
                    destination: "org.freedesktop.PolicyKit1", path: Self.authority, interface: "org.freedesktop.DBus.Mock",
                    member: "AddMethod", [.string("org.freedesktop.PolicyKit1.Authority"), .string("CheckAuthorization"),
                                          .string("(sa{sv})sa{ss}us"), .string("(bba{ss})"), .string("__import__('time').sleep(3600)")])
            } else {
                polkit = try await DBusMock.template("polkitd", name: "org.freedesktop.PolicyKit1", on: bus)
                _ = try await client.call(
                    destination: "org.freedesktop.PolicyKit1", path: Self.authority,
                    interface: "org.freedesktop.DBus.Mock", member: "SetAllowed", [.array(.string, [.string(DaemonNames.manageAction)])])
            }
            try await bluez.addDevice(Self.xm4, "WH-1000XM4", RepairFixture.xm4Properties.merging([
                "Paired": Variant(true), "Trusted": Variant(true), "Connected": Variant(true), "ServicesResolved": Variant(true),
            ]) { $1 })
        }

        static let xm4 = DaemonProcessTests.xm4

        /// Waits until this very process owns the name: a previous run's name may still
        /// be in flight on the bus.
        func started(_ daemon: DaemonProcess) async throws -> DaemonProcess {
            let client = client
            try await withDeadline(.seconds(20), "sonyctld \(daemon.child.pid) to own \(DaemonNames.busName)") {
                while true {
                    if let owner = try await client.nameOwner(DaemonNames.busName),
                       let pid = try? await client.call(destination: .bus, path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                                                        member: "GetConnectionUnixProcessID", [.string(owner.rawValue)]).decode(UInt32.self),
                       pid == UInt32(daemon.child.pid) {
                        return
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            return daemon
        }

        func property(_ name: String) async throws -> DBusValue? {
            let reply = try await client.call(destination: DaemonNames.busName, path: DaemonProcessTests.xm4Path, interface: .properties,
                                              member: "Get", [.string(DaemonNames.deviceInterface.rawValue), .string(name)])
            return try reply.decode(Variant.self).value
        }

        func historyKinds() async throws -> [String] {
            let reply = try await client.call(destination: DaemonNames.busName, path: DaemonProcessTests.xm4Path,
                                              interface: DaemonNames.deviceInterface, member: "GetHistory", [.uint64(0), .uint32(0)])
            return RepairFixture.rows(reply).compactMap { $0.dropFirst().first?.stringValue }
        }

        func until(_ what: String, _ condition: @escaping @Sendable () async -> Bool) async throws {
            try await withDeadline(.seconds(15), what) {
                while await !condition() { try await Task.sleep(for: .milliseconds(10)) }
            }
        }

        /// How often BlueZ's `method` on `path` was called (python-dbusmock's own log).
        func calls(_ method: String, on path: ObjectPath) async throws -> Int {
            let reply = try await client.call(destination: "org.bluez", path: path, interface: "org.freedesktop.DBus.Mock",
                                              member: "GetMethodCalls", [.string(method)])
            return RepairFixture.rows(reply).count
        }

        func drop() async throws {
            try await bluez.mock("DropConnection", [.objectPath(DaemonProcessTests.bluezPath), .string("org.bluez.Reason.Timeout"),
                                                    .string(""), .boolean(true)])
        }

        func reconnect() async throws {
            try await bluez.mock("RemoteConnect", [.objectPath(DaemonProcessTests.bluezPath), [String: Variant]().dbusValue])
        }
    }

    @Test func theHistorySurvivesSIGKILLAndTheRestartKnowsTheDrops() async throws {
        let world = try await World()
        let first = try await world.started(DaemonProcess(bus: world.bus))
        for _ in 0..<2 {
            try await world.drop()
            try await world.until("the drop") { (try? await world.property("Connected")) == .boolean(false) }
            try await world.reconnect()
            try await world.until("the reconnect") { (try? await world.property("Connected")) == .boolean(true) }
        }
        try await world.until("two drops") { (try? await world.property("DisconnectsLastHour")) == .uint32(2) }
        let before = try await world.historyKinds()
        first.child.signal(SIGKILL)
        #expect(try await first.exit().code == 128 + SIGKILL)

        let second = try await world.started(DaemonProcess(bus: world.bus, stateDirectory: first.stateDirectory))
        try await world.until("the XM4's object") { (try? await world.property("Present")) == .boolean(true) }
        #expect(try await world.historyKinds() == before, "every acknowledged event, and no connect recorded twice")
        #expect(try await world.property("DisconnectsLastHour") == .uint32(2), "the window survives the restart")
        // One more drop completes a flapping pattern begun before the SIGKILL.
        try await world.drop()
        try await world.until("flapping") { (try? await world.property("Health")) == .string("flapping") }
        second.child.signal(SIGTERM)
        #expect(try await second.exit().code == 0)
    }

    @Test func aDeviceOnlyTheHistoryKnowsKeepsItsObject() async throws {
        let world = try await World()
        let first = try await world.started(DaemonProcess(bus: world.bus))
        try await world.until("the XM4's object") { (try? await world.property("Model")) == .string("WH-1000XM4") }
        first.child.signal(SIGTERM)
        _ = try await first.exit()
        _ = try await world.bluez.control.call(destination: "org.bluez", path: "/org/bluez/hci0", interface: "org.bluez.Adapter1",
                                               member: "RemoveDevice", [.objectPath(Self.bluezPath)])
        // Kept in a constant: a dropped DaemonProcess kills its child.
        let second = try await world.started(DaemonProcess(bus: world.bus, stateDirectory: first.stateDirectory))
        #expect(try await world.property("Present") == .boolean(false))
        #expect(try await world.property("Model") == .string("WH-1000XM4"), "identification is sticky across restarts")
        #expect(second.child.hasExited == false)
    }

    @Test func sigtermMidRepairCleansUpAndRecordsTheCancel() async throws {
        let world = try await World()
        let daemon = try await world.started(DaemonProcess(bus: world.bus))
        let caller = try world.bus.connect()
        let repair = Task {
            try await caller.call(.methodCall(destination: DaemonNames.busName, path: Self.xm4Path, interface: DaemonNames.deviceInterface,
                                              member: "Repair", body: [["Timeout": Variant(UInt32(60))].dbusValue]), timeout: .seconds(30))
        }
        try await world.until("waiting for the device") { (try? await world.property("RepairState")) == .string("waiting-for-device") }
        daemon.child.signal(SIGTERM)
        let (code, log) = try await daemon.exit()
        #expect(code == 0, "\(log)")
        let answer = await repair.result
        #expect((try? answer.get()) == nil, "the caller got an error, not silence")
        // The daemon's own answer, not the bus telling the caller the daemon is gone.
        if case .failure(let error) = answer {
            #expect((error as? DBusError)?.name.rawValue == "org.sonyctl.Daemon1.Error.Cancelled", "\(error)")
        }
        let sessions = RepairFixture.rows(try await world.bluez.mock("GetDiscoverySessions", [.string("hci0")]))
        #expect(sessions.allSatisfy { $0.dropFirst().first?.boolValue == false }, "discovery stopped")
        #expect(RepairFixture.rows(try await world.bluez.mock("GetAgents")).isEmpty, "the agent unregistered")
        // bluetoothd would also end discovery when the daemon leaves the bus: this says it asked
        // first. The agent is registered only from pairing on (SigtermWhilePairingTests).
        #expect(try await world.calls("StopDiscovery", on: "/org/bluez/hci0") == 1, "discovery stopped by the daemon")
        #expect(try await world.calls("RegisterAgent", on: "/org/bluez") == 0, "no agent while waiting for the device")
        #expect(try await world.client.nameOwner(DaemonNames.busName) == nil, "the name released")
        #expect(log.contains("repair cancelled"), "\(log)")
        // The next run shows how the job ended.
        let next = try await world.started(DaemonProcess(bus: world.bus, stateDirectory: daemon.stateDirectory))
        let kinds = try await world.historyKinds()
        #expect(kinds == ["connected", "repair-started", "disconnected", "repair-cancelled"], "\(kinds)")
        #expect(next.child.hasExited == false)
    }

    @Test func theBusGoingAwayEndsItAtOnceWithAFailure() async throws {
        let world = try await World()
        let daemon = try await world.started(DaemonProcess(bus: world.bus))
        world.bus.stop()
        let (code, log) = try await daemon.exit(within: .seconds(5))
        #expect(code != 0, "so that systemd restarts it")
        #expect(log.contains("system bus went away"), "\(log)")
    }

    @Test func aBadConfigurationIsRefusedWithItsFileAndLine() async throws {
        let bus = try PrivateBus(type: "system")
        let dir = try TemporaryDirectory.make(prefix: "sonyctld-config")
        let config = dir + "/sonyctld.yaml"
        try "watch:\n  flapping_drops: 3\n  flapping_window: 10\n".write(toFile: config, atomically: false, encoding: .utf8)
        let daemon = try DaemonProcess(bus: bus, arguments: ["--config", config])
        let (code, log) = try await daemon.exit()
        #expect(code == 78, "EX_CONFIG, which the unit does not restart on")
        #expect(log.contains("\(config):3: watch: unknown key 'flapping_window'"), "\(log)")
        let client = try bus.connect()
        #expect(try await client.nameOwner(DaemonNames.busName) == nil, "it never served on a guess")
    }

    @Test func underJournaldEachLineCarriesItsPriorityAndOnATerminalItsName() async throws {
        let world = try await World()
        // JOURNAL_STREAM names the stream journald hands a service: here, a pipe we read.
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw TestSupportError("pipe") }
        let daemon = try DaemonProcess(bus: world.bus, environment: ["JOURNAL_STREAM": try Self.streamID(of: ends[1])],
                                       stderr: .descriptor(ends[1]))
        close(ends[1])
        async let journal = readToEnd(ends[0])
        _ = try await world.started(daemon)
        daemon.child.signal(SIGTERM)
        _ = try await daemon.exit()
        let lines = String(decoding: await journal, as: UTF8.self).split(separator: "\n")
        close(ends[0])
        #expect(lines.first?.hasPrefix("<6>starting") == true, "\(lines)")
        #expect(lines.allSatisfy { $0.first == "<" && $0.dropFirst(2).first == ">" }, "\(lines)")

        // The same daemon with stderr elsewhere: a stale JOURNAL_STREAM no longer matches.
        let plain = try await world.started(DaemonProcess(bus: world.bus, environment: ["JOURNAL_STREAM": "1:2"]))
        plain.child.signal(SIGTERM)
        let (_, log) = try await plain.exit()
        #expect(log.split(separator: "\n").first?.hasPrefix("sonyctld[info]: starting") == true, "\(log)")
    }

    static func streamID(of fd: Int32) throws -> String {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw TestSupportError("fstat") }
        return "\(info.st_dev):\(info.st_ino)"
    }
}
