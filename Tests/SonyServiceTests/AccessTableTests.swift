import DBus
import DBusTestSupport
import Foundation
import SonyCore
import SonyService
import Testing

/// Who may call each method, held against the daemon: `gdbus` as uid nobody on
/// a real dbus-daemon with our policy file, and a polkit that decides by the
/// subject it is asked about, so that asking about the wrong name shows.
/// RELIABILITY.md prints the same table.
@Suite(.timeLimit(.minutes(2)))
struct AccessTableTests {
    enum Who: String { case anyone, manage, noOne = "no one" }

    struct Row: Sendable {
        let interface: String
        let member: String
        let onDevice: Bool
        /// The arguments as gdbus reads them (GVariant text).
        let arguments: [String]
        let who: Who
    }

    static let device: ObjectPath = "/org/sonyctl/Daemon1/devices/dev_AA_BB_CC_DD_EE_01"
    static let bluezDevice: ObjectPath = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01"
    static let manager = DaemonNames.managerInterface.rawValue
    static let deviceInterface = DaemonNames.deviceInterface.rawValue

    static func row(_ member: String) -> Row { table.first { $0.member == member }! }

    static let table: [Row] = [
        Row(interface: manager, member: "ResolveDevice", onDevice: false, arguments: ["'wh-1000xm4'"], who: .anyone),
        Row(interface: "org.freedesktop.DBus.ObjectManager", member: "GetManagedObjects", onDevice: false, arguments: [], who: .anyone),
        Row(interface: "org.freedesktop.DBus.Properties", member: "GetAll", onDevice: false, arguments: ["'\(manager)'"], who: .anyone),
        Row(interface: "org.freedesktop.DBus.Properties", member: "Get", onDevice: true, arguments: ["'\(deviceInterface)'", "'Paired'"], who: .anyone),
        Row(interface: "org.freedesktop.DBus.Properties", member: "Set", onDevice: true, arguments: ["'\(deviceInterface)'", "'Trusted'", "<false>"], who: .noOne),
        Row(interface: "org.freedesktop.DBus.Introspectable", member: "Introspect", onDevice: true, arguments: [], who: .anyone),
        Row(interface: "org.freedesktop.DBus.Peer", member: "Ping", onDevice: true, arguments: [], who: .anyone),
        Row(interface: deviceInterface, member: "GetHistory", onDevice: true, arguments: ["uint64 0", "uint32 0"], who: .anyone),
        Row(interface: deviceInterface, member: "Diagnose", onDevice: true, arguments: [], who: .anyone),
        Row(interface: deviceInterface, member: "Repair", onDevice: true, arguments: ["{'Timeout': <uint32 5>}"], who: .manage),
        Row(interface: deviceInterface, member: "CancelRepair", onDevice: true, arguments: [], who: .manage),
        Row(interface: deviceInterface, member: "Forget", onDevice: true, arguments: [], who: .manage),
    ]

    let bus: PrivateBus
    let bluez: SonyBlueZ
    let polkit: DBusMock
    let daemonName: String
    let runner: Task<Void, any Error>
    let client: Connection

    init() async throws {
        bus = try PrivateBus(type: "system", extraConfig: BusPolicyTests.config)
        bluez = try await SonyBlueZ(bus: bus)
        polkit = try await DBusMock.template(
            SonyBlueZ.root.appendingPathComponent("Tests/Mocks/polkit_by_caller.py").path, name: "org.freedesktop.PolicyKit1", on: bus)
        try await bluez.addDevice("AA:BB:CC:DD:EE:01", "WH-1000XM4", [
            "Modalias": Variant("usb:v054Cp0D58d0301"), "Paired": Variant(true), "Trusted": Variant(true),
        ])
        let connection = try bus.connect()
        daemonName = connection.uniqueName.rawValue
        let daemon = SonyDaemon(connection: connection, catalogue: try ModelCatalogue.load(contentsOf: SonyBlueZ.catalogue), history: try .inMemory())
        runner = Task { try await daemon.run() }
        client = try bus.connect()
        try await waitForOwner(of: DaemonNames.busName, on: client, within: .seconds(30))
        try await withDeadline(.seconds(30), "the device") { while daemon.records.isEmpty { try await Task.sleep(for: .milliseconds(20)) } }
    }

    func call(_ row: Row, as uid: UInt32?) async throws -> CommandResult {
        try await Self.call(row, as: uid, on: bus)
    }

    /// `row` called with gdbus, as `uid` (nil: as this test, root).
    static func call(_ row: Row, as uid: UInt32?, on bus: PrivateBus) async throws -> CommandResult {
        let path = row.onDevice ? Self.device : DaemonNames.managerPath
        let gdbus = ["gdbus", "call", "--address=\(bus.address)", "--dest=\(DaemonNames.busName.rawValue)", "--object-path=\(path.rawValue)",
                     "--method=\(row.interface).\(row.member)"] + row.arguments
        let user = uid.map { ["setpriv", "--reuid=\($0)", "--regid=\($0)", "--clear-groups"] } ?? []
        return try await run(user + gdbus, environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"])
    }

    /// Every row called as nobody, who may read but is authorized for nothing.
    static func expectNobodyRefusedAll(on bus: PrivateBus) async throws {
        for row in table {
            let result = try await call(row, as: 65534, on: bus)
            switch row.who {
            case .anyone:
                #expect(result.status == 0, "\(row.member) as nobody: \(result.stderr)")
            case .manage:
                #expect(result.status != 0, "\(row.member) as nobody went through")
                #expect(result.stderr.contains("org.sonyctl.Daemon1.Error.NotAuthorized"), "\(row.member): \(result.stderr)")
            case .noOne:
                #expect(result.status != 0, "\(row.member) as nobody went through")
                #expect(!result.stderr.contains("AccessDenied"), "the bus, not the daemon, refused \(row.member): \(result.stderr)")
            }
        }
    }

    func subjects() async throws -> [String] {
        let reply = try await client.call(destination: "org.freedesktop.PolicyKit1", path: "/org/freedesktop/PolicyKit1/Authority",
                                          interface: "org.freedesktop.DBus.Mock", member: "Subjects")
        return try reply.decode([String].self)
    }

    func bluezStillHasTheDevice() async throws -> Bool {
        let reply = try await client.call(destination: "org.bluez", path: .root, interface: .objectManager, member: "GetManagedObjects")
        return try reply.decode([ObjectPath: [String: [String: Variant]]].self)[Self.bluezDevice] != nil
    }

    @Test func everyMethodOfTheInterfaceHasARow() throws {
        let canonical = try String(contentsOfFile: SonyBlueZ.root.appendingPathComponent("config/dbus/org.sonyctl.Daemon1.xml").path, encoding: .utf8)
        let methods = try InterfaceXMLTests.members(canonical).compactMap { line -> String? in
            let fields = line.components(separatedBy: " | ")
            return fields.count > 2 && fields[1] == "method" ? "\(fields[0]).\(fields[2])" : nil
        }
        #expect(methods.count == 6)
        let rows = Set(Self.table.map { "\($0.interface).\($0.member)" })
        #expect(Set(methods).subtracting(rows).sorted() == [], "a method nobody decided who may call")
        runner.cancel()
    }

    @Test func nobodyMayReadButNotChangeAndPolkitIsAskedAboutTheCaller() async throws {
        try await Self.expectNobodyRefusedAll(on: bus)
        #expect(try await bluezStillHasTheDevice())
        let asked = try await subjects()
        #expect(asked.count == Self.table.filter { $0.who == .manage }.count, "\(asked)")
        #expect(asked.allSatisfy { $0.hasPrefix("system-bus-name::") && $0 != "system-bus-name:\(daemonName)" },
                "polkit must be asked about the caller, never about the daemon itself: \(asked)")
        runner.cancel()
    }

    @Test func polkitDecidesForEachCallerAndRootGetsNoPass() async throws {
        let cancel = try #require(Self.table.first { $0.member == "CancelRepair" })
        let forget = try #require(Self.table.first { $0.member == "Forget" })
        // Root without polkit's word is refused like anyone: the uid fallback is only for a bus without polkit.
        let root = try await call(forget, as: nil)
        #expect(root.stderr.contains("NotAuthorized"), "\(root.stderr)")
        #expect(try await bluezStillHasTheDevice())

        _ = try await client.call(destination: "org.freedesktop.PolicyKit1", path: "/org/freedesktop/PolicyKit1/Authority",
                                  interface: "org.freedesktop.DBus.Mock", member: "AllowCaller", [.string(client.uniqueName.rawValue)])
        let allowed = try await #require(throws: DBusError.self) {
            _ = try await client.call(destination: DaemonNames.busName, path: Self.device, interface: DaemonNames.deviceInterface, member: "CancelRepair")
        }
        #expect(allowed.name.rawValue == "org.sonyctl.Daemon1.Error.NotRepairing", "past polkit, there is nothing to cancel")
        let other = try await call(cancel, as: 65534)
        #expect(other.stderr.contains("NotAuthorized"), "another caller is not let in on the first one's answer: \(other.stderr)")
        _ = try await client.call(destination: DaemonNames.busName, path: Self.device, interface: DaemonNames.deviceInterface, member: "Forget")
        #expect(try await !bluezStillHasTheDevice())
        #expect(try await subjects().contains("system-bus-name:\(client.uniqueName.rawValue)"))
        runner.cancel()
    }
}
