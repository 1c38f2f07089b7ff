import BlueZ
import DBus
import DBusTestSupport
import Foundation
import SonyCore
import SonyService
import Testing

/// sonyctld in-process on a private system bus, with our simulated BlueZ and
/// python-dbusmock's polkitd, checked through busctl and our own client.
@Suite(.timeLimit(.minutes(1)))
struct DaemonTests {
    let bus: PrivateBus
    let bluez: SonyBlueZ
    let polkit: DBusMock
    let daemon: SonyDaemon
    let runner: Task<Void, any Error>
    let client: Connection
    static let xm4 = "AA:BB:CC:DD:EE:01"
    static let xm4Path: ObjectPath = "/org/sonyctl/Daemon1/devices/dev_AA_BB_CC_DD_EE_01"

    init() async throws {
        bus = try PrivateBus(type: "system")
        bluez = try await SonyBlueZ(bus: bus)
        polkit = try await DBusMock.template("polkitd", name: "org.freedesktop.PolicyKit1", on: bus)
        try await bluez.addDevice(Self.xm4, "WH-1000XM4", ["Modalias": Variant("usb:v054Cp0D58d0301"), "Class": Variant(UInt32(0x240404))])
        try await bluez.addDevice("AA:BB:CC:DD:EE:02", "LE_WH-1000XM4", [
            "ManufacturerData": Variant([UInt16(0x012D): Variant([UInt8(4), 0])]), "AddressType": Variant("random"),
        ])
        try await bluez.addDevice("AA:BB:CC:DD:EE:03", "Bose QC35 II", ["Modalias": Variant("bluetooth:v009Ep4020d0100")])
        let catalogue = try ModelCatalogue.load(contentsOf: SonyBlueZ.catalogue)
        let daemon = SonyDaemon(connection: try bus.connect(), catalogue: catalogue, history: try .inMemory())
        self.daemon = daemon
        runner = Task { try await daemon.run() }
        client = try bus.connect()
        try await waitForOwner(of: DaemonNames.busName, on: client, within: .seconds(30))
        let client = self.client
        try await withDeadline(.seconds(30), "the XM4's object") {
            while (try? await client.call(destination: DaemonNames.busName, path: Self.xm4Path, interface: .properties, member: "Get",
                                          [.string(DaemonNames.deviceInterface.rawValue), .string("Model")]))?.body.first != .variant(.string("WH-1000XM4")) {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    func busctl(_ args: String...) async throws -> CommandResult {
        try await run(["busctl", "--address=\(bus.address)"] + args)
    }

    func resolve(_ query: String) async throws -> ObjectPath {
        let reply = try await client.call(destination: DaemonNames.busName, path: DaemonNames.managerPath, interface: DaemonNames.managerInterface, member: "ResolveDevice", [.string(query)])
        return try reply.decode(ObjectPath.self)
    }

    @Test func exportsOnlyTheSonyAudioDeviceWithItsModel() async throws {
        let managed = try await client.call(destination: DaemonNames.busName, path: DaemonNames.managerPath, interface: .objectManager, member: "GetManagedObjects")
        let objects = try managed.decode([ObjectPath: [String: [String: Variant]]].self)
        #expect(Array(objects.keys) == [Self.xm4Path])
        let props = try #require(objects[Self.xm4Path]?[DaemonNames.deviceInterface.rawValue])
        #expect(props["Address"]?.get(String.self) == Self.xm4)
        #expect(props["Evidence"]?.get([String].self) == ["modalias", "name"])
        #expect(props["Present"]?.get(Bool.self) == true)
        #expect(props["Battery"]?.get(Int32.self) == -1)
        let version = try await busctl("get-property", DaemonNames.busName.rawValue, DaemonNames.managerPath.rawValue, DaemonNames.managerInterface.rawValue, "Version")
        #expect(version.stdout == "s \"\(DaemonNames.version)\"\n")
        runner.cancel()
    }

    @Test func resolvesAddressesNamesAndModels() async throws {
        #expect(try await resolve("aa:bb:cc:dd:ee:01") == Self.xm4Path)
        #expect(try await resolve("wh-1000xm4") == Self.xm4Path)
        let unknown = try await #require(throws: DBusError.self) { _ = try await resolve("WF-1000XM5") }
        #expect(unknown.name.rawValue == "org.sonyctl.Daemon1.Error.UnknownDevice")
        let empty = try await #require(throws: DBusError.self) { _ = try await resolve("  ") }
        #expect(empty.name == .invalidArgs)
        let wrong = try await busctl("call", DaemonNames.busName.rawValue, DaemonNames.managerPath.rawValue, DaemonNames.managerInterface.rawValue, "ResolveDevice", "u", "7")
        #expect(wrong.status != 0)
        runner.cancel()
    }

    @Test func forgetNeedsPolkitThenRemovesTheDeviceAndItsTwin() async throws {
        let forget = { try await client.call(destination: DaemonNames.busName, path: Self.xm4Path, interface: DaemonNames.deviceInterface, member: "Forget") }
        let refused = try await #require(throws: DBusError.self) { _ = try await forget() }
        #expect(refused.name.rawValue == "org.sonyctl.Daemon1.Error.NotAuthorized")
        #expect(daemon.bluez.tree.devices.count == 3)

        _ = try await client.call(destination: "org.freedesktop.PolicyKit1", path: "/org/freedesktop/PolicyKit1/Authority",
                                  interface: "org.freedesktop.DBus.Mock", member: "SetAllowed", [.array(.string, [.string(DaemonNames.manageAction)])])
        _ = try await forget()
        let tree = daemon.bluez.tree
        #expect(tree.devices.values.compactMap { $0.address?.description }.sorted() == ["AA:BB:CC:DD:EE:03"])
        let present = try await busctl("get-property", DaemonNames.busName.rawValue, Self.xm4Path.rawValue, DaemonNames.deviceInterface.rawValue, "Present")
        #expect(present.stdout == "b false\n", "the object stays, absent")
        _ = try await forget()  // nothing left to do is still a success
        runner.cancel()
    }
}
