import BlueZ
import DBus
import DBusTestSupport
import Foundation
import Locking
import Testing

@Suite(.timeLimit(.minutes(1)))
struct AgentTests {
    /// The arguments of every call `method` received, from dbusmock's call log.
    static func calls(_ method: String, _ bluez: SimulatedBlueZ) async throws -> [[Variant]] {
        let reply = try await bluez.control.call(
            destination: "org.bluez", path: "/org/bluez", interface: "org.freedesktop.DBus.Mock", member: "GetMethodCalls", [.string(method)])
        guard case .array(_, let log)? = reply.body.first else { return [] }
        return log.compactMap { entry in
            guard case .structure(let fields) = entry, fields.count == 2 else { return nil }
            return try? [Variant](dbusValue: fields[1])
        }
    }

    @Test func registersWithoutBecomingTheDefaultAndAgainAfterARestart() async throws {
        let bus = try PrivateBus()
        var bluez = try await SimulatedBlueZ(bus: bus)
        try await bluez.addAdapter()
        let client = BlueZClient(connection: try bus.connect())
        let runner = Task { try await client.run() }
        defer { runner.cancel() }
        let agent = BlueZAgent(client: client) { _ in true }
        try await agent.install()
        try await waitUntil("the agent to register") { agent.isRegistered }
        let registered = try await Self.calls("RegisterAgent", bluez)
        #expect(registered.count == 1)
        #expect(registered.first?.first?.get(ObjectPath.self) == agent.path)
        #expect(registered.first?.last?.get(String.self) == "NoInputNoOutput")

        bluez.mock.kill()
        try await waitUntil("the agent to be lost with bluetoothd") { !client.isAvailable }
        try await bluez.restart()
        let restarted = bluez
        try await waitUntil("the agent to register again") { (try? await Self.calls("RegisterAgent", restarted).count) == 1 }
        #expect(try await Self.calls("RequestDefaultAgent", bluez).isEmpty)
        await agent.uninstall()
        #expect(try await Self.calls("UnregisterAgent", bluez).count == 1)
        #expect(!agent.isRegistered)
    }

    @Test func answersOnlyBluetoothd() async throws {
        let bus = try PrivateBus()
        let bluez = try await SimulatedBlueZ(bus: bus)
        try await bluez.addAdapter()
        let connection = try bus.connect()
        let client = BlueZClient(connection: connection)
        let runner = Task { try await client.run() }
        defer { runner.cancel() }
        let asked = Lock<[AgentRequest]>([])
        let agent = BlueZAgent(client: client) { request in
            asked.withLock { $0.append(request) }
            return true
        }
        try await agent.install()
        try await waitFor(client, "bluetoothd") { !$0.adapters.isEmpty }

        let rogue = try bus.connect()
        let error = try await #require(throws: DBusError.self) {
            _ = try await rogue.call(
                destination: connection.uniqueName, path: agent.path, interface: "org.bluez.Agent1", member: "RequestAuthorization",
                [.objectPath("/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01")])
        }
        #expect(error.name == "org.bluez.Error.Rejected")
        #expect(asked.withLock { $0.isEmpty })
        let pin = try await #require(throws: DBusError.self) {
            _ = try await rogue.call(destination: connection.uniqueName, path: agent.path, interface: "org.bluez.Agent1", member: "RequestPinCode", [.objectPath("/x")])
        }
        #expect(pin.name == "org.bluez.Error.Rejected")
    }
}

