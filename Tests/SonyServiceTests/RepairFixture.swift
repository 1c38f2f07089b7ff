import BlueZ
import DBus
import DBusTestSupport
import Foundation
import SonyCore
import SonyService
import Locking

/// sonyctld in-process on a private system bus with the simulated BlueZ and
/// polkitd, an XM4 paired and connected with its LE twin, and a client that
/// records every repair signal of the XM4's object.
final class RepairFixture: Sendable {
    static let xm4 = "AA:BB:CC:DD:EE:01"
    static let twin = "AA:BB:CC:DD:EE:02"
    static let xm4Path: ObjectPath = "/org/sonyctl/Daemon1/devices/dev_AA_BB_CC_DD_EE_01"
    static let bluezPath: ObjectPath = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01"
    static let audioUUIDs = ["0000110b-0000-1000-8000-00805f9b34fb", "0000111e-0000-1000-8000-00805f9b34fb", "96CC203E-5068-46AD-B32D-E316F5E069BA"]
    /// What the XM4 shows BlueZ whenever BlueZ learns of it.
    static let xm4Properties: [String: Variant] = [
        "Modalias": Variant("usb:v054Cp0D58d0301"), "Class": Variant(UInt32(0x240404)), "UUIDs": Variant(audioUUIDs),
    ]

    let bus: PrivateBus
    let bluez: SonyBlueZ
    let polkit: DBusMock
    let daemon: SonyDaemon
    let runner: Task<Void, any Error>
    let client: Connection
    private let log = SignalLog()
    private let listener: SignalSubscription

    init(
        policy: RepairPolicy = RepairPolicy(retryDelay: .milliseconds(20), verifyTimeout: .seconds(2)), watch: WatchPolicy = WatchPolicy(),
        allowed: Bool = true
    ) async throws {
        bus = try PrivateBus(type: "system")
        bluez = try await SonyBlueZ(bus: bus)
        polkit = try await DBusMock.template("polkitd", name: "org.freedesktop.PolicyKit1", on: bus)
        let paired: [String: Variant] = ["Paired": Variant(true), "Trusted": Variant(true), "Connected": Variant(true), "ServicesResolved": Variant(true)]
        try await bluez.addDevice(Self.xm4, "WH-1000XM4", Self.xm4Properties.merging(paired) { $1 })
        _ = try await bluez.mock("AddLETwin", [.objectPath(Self.bluezPath), .string(Self.twin), [String: Variant]().dbusValue])
        let catalogue = try ModelCatalogue.load(contentsOf: SonyBlueZ.catalogue)
        let daemon = SonyDaemon(connection: try bus.connect(), catalogue: catalogue, configuration: DaemonConfiguration(repair: policy, watch: watch), history: try .inMemory())
        self.daemon = daemon
        runner = Task { try await daemon.run() }
        client = try bus.connect()
        let log = self.log
        listener = try await client.onSignals(matching: MatchRule(sender: DaemonNames.busName, path: Self.xm4Path, interface: DaemonNames.deviceInterface)) { message in
            log.messages.withLock { $0.append(message) }
        }
        if allowed {
            _ = try await client.call(
                destination: "org.freedesktop.PolicyKit1", path: "/org/freedesktop/PolicyKit1/Authority",
                interface: "org.freedesktop.DBus.Mock", member: "SetAllowed", [.array(.string, [.string(DaemonNames.manageAction)])])
        }
        try await waitForOwner(of: DaemonNames.busName, on: client, within: .seconds(10))
        try await until("the XM4's object") { (try? await self.property("Present")) == .boolean(true) }
    }

    deinit {
        listener.cancel()
        runner.cancel()
    }

    // MARK: - Calling the daemon

    func repair(_ options: [String: Variant] = [:], path: ObjectPath = xm4Path) async throws {
        _ = try await client.call(
            .methodCall(destination: DaemonNames.busName, path: path, interface: DaemonNames.deviceInterface, member: "Repair", body: [options.dbusValue]),
            timeout: .seconds(60))
    }

    /// The error a repair ends with, which must be one.
    func repairError(_ options: [String: Variant] = [:]) async throws -> DBusError {
        do {
            try await repair(options)
        } catch let error as DBusError {
            return error
        }
        throw TestSupportError("the repair succeeded")
    }

    func cancelRepair() async throws {
        _ = try await client.call(destination: DaemonNames.busName, path: Self.xm4Path, interface: DaemonNames.deviceInterface, member: "CancelRepair")
    }

    func property(_ name: String, path: ObjectPath = xm4Path, interface: InterfaceName = DaemonNames.deviceInterface) async throws -> DBusValue? {
        let reply = try await client.call(destination: DaemonNames.busName, path: path, interface: .properties, member: "Get", [.string(interface.rawValue), .string(name)])
        return try reply.decode(Variant.self).value
    }

    // MARK: - What the daemon said

    /// Every signal `member` of the XM4's Device interface so far, in order.
    func signals(_ member: MemberName) -> [Message] {
        log.messages.withLock { $0 }.filter { $0.member == member }
    }

    /// The stages of every `RepairProgress` so far, with their messages.
    var progress: [(stage: String, message: String)] {
        signals("RepairProgress").compactMap { try? $0.decode(String.self, String.self) }.map { ($0.0, $0.1) }
    }

    var finished: [(success: Bool, error: String, message: String)] {
        signals("RepairFinished").compactMap { try? $0.decode(Bool.self, String.self, String.self) }.map { ($0.0, $0.1, $0.2) }
    }

    /// Waits for the repair to enter `stage`.
    func stage(_ stage: String) async throws {
        try await until("the repair to enter \(stage)") { self.progress.contains { $0.stage == stage } }
    }

    // MARK: - What BlueZ saw

    /// `(client, discovering, filter)` for each discovery session on hci0.
    func discoverySessions() async throws -> [(String, Bool)] {
        try Self.rows(await bluez.mock("GetDiscoverySessions", [.string("hci0")])).compactMap { fields in
            guard let client = fields.first?.stringValue, let discovering = fields.dropFirst().first?.boolValue else { return nil }
            return (client, discovering)
        }
    }

    func agents() async throws -> Int {
        try Self.rows(await bluez.mock("GetAgents")).count
    }

    func calls(_ method: String, on path: ObjectPath) async throws -> Int {
        let reply = try await client.call(destination: "org.bluez", path: path, interface: "org.freedesktop.DBus.Mock", member: "GetMethodCalls", [.string(method)])
        return Self.rows(reply).count
    }

    /// The structs of an array-of-structs reply, as field lists.
    static func rows(_ reply: Message) -> [[DBusValue]] {
        guard case .array(_, let rows)? = reply.body.first else { return [] }
        return rows.compactMap { if case .structure(let fields) = $0 { fields } else { nil } }
    }

    /// BlueZ still has the XM4's object but no bond and no link: what
    /// `SkipForget` starts from, and an object outcomes can be scripted on.
    func unpairKeepingTheObject() async throws {
        _ = try await bluez.control.call(destination: "org.bluez", path: Self.bluezPath, interface: .properties, member: "Set",
                                         [.string("org.bluez.Device1"), .string("Trusted"), .variant(.boolean(false))])
        _ = try await bluez.mock("SetProperties", [.objectPath(Self.bluezPath), .string("org.bluez.Device1"),
                                                   ["Paired": Variant(false), "Bonded": Variant(false)].dbusValue])
        _ = try await bluez.mock("DropConnection", [.objectPath(Self.bluezPath), .string(""), .string(""), .boolean(true)])
        try await until("the mirror to see it unpaired") { self.daemon.bluez.tree.devices[Self.bluezPath]?.paired == false }
    }

    /// The next call of `method` on the XM4 fails with `error`.
    func script(_ method: String, error: String, _ message: String, delayMs: UInt32 = 0) async throws {
        _ = try await bluez.mock("QueueOutcome", [
            .objectPath(Self.bluezPath), .string(method), .string(error), .string(message), .uint32(delayMs), [String: Variant]().dbusValue,
        ])
    }

    /// The device comes into range in pairing mode once discovery runs.
    func enterPairingMode(delayMs: UInt32 = 50, extra: [String: Variant] = [:]) async throws {
        _ = try await bluez.mock("AddDeviceInPairingMode", [
            .string("hci0"), .string(Self.xm4), .string("WH-1000XM4"), Self.xm4Properties.merging(extra) { $1 }.dbusValue, .uint32(delayMs),
        ])
    }

    func until(_ what: String, within limit: Duration = .seconds(15), _ condition: @escaping @Sendable () async -> Bool) async throws {
        try await withDeadline(limit, what) {
            while await !condition() { try await Task.sleep(for: .milliseconds(10)) }
        }
    }
}

final class SignalLog: Sendable {
    let messages = Lock<[Message]>([])
}
