import BlueZ
import DBus
import DBusTestSupport
import Foundation
import SonyCore
import SonyService

/// Our simulated BlueZ (`Tests/Mocks/sony_bluez.py`) on a private bus.
struct SonyBlueZ {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let template = root.appendingPathComponent("Tests/Mocks/sony_bluez.py").path
    static let catalogue = root.appendingPathComponent("config/models.yaml").path

    let bus: PrivateBus
    let control: Connection
    let mock: DBusMock

    init(bus: PrivateBus) async throws {
        self.bus = bus
        control = try bus.connect()
        mock = try await DBusMock.template(Self.template, name: "org.bluez", on: bus)
        _ = try await control.call(destination: "org.bluez", path: "/", interface: "org.bluez.Mock", member: "AddAdapter", [.string("hci0"), .string("test")])
    }

    /// Calls one of the simulation's control methods (`org.sonyctl.Mock` on `/`).
    @discardableResult
    func mock(_ method: MemberName, _ arguments: [DBusValue] = []) async throws -> Message {
        try await control.call(destination: "org.bluez", path: "/", interface: "org.sonyctl.Mock", member: method, arguments)
    }

    @discardableResult
    func addDevice(_ address: String, _ name: String, _ properties: [String: Variant]) async throws -> ObjectPath {
        let reply = try await control.call(
            destination: "org.bluez", path: "/", interface: "org.sonyctl.Mock", member: "AddSonyDevice",
            [.string("hci0"), .string(address), .string(name), properties.dbusValue])
        return try reply.decode(ObjectPath.self)
    }
}

extension HistoryStore {
    /// A history that lives as long as the test.
    static func inMemory() throws -> HistoryStore {
        try HistoryStore(directory: nil, logger: SonyDaemon.silent)
    }
}
