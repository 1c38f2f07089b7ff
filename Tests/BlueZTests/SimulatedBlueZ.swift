import BlueZ
import DBus
import DBusTestSupport

/// python-dbusmock's `bluez5` template on a private bus, driven through its
/// `org.bluez.Mock` interface and dbusmock's own `org.freedesktop.DBus.Mock`.
struct SimulatedBlueZ {
    let bus: PrivateBus
    let control: Connection
    var mock: DBusMock

    static let mockInterface: InterfaceName = "org.bluez.Mock"

    init(bus: PrivateBus) async throws {
        self.bus = bus
        control = try bus.connect()
        mock = try await DBusMock.template("bluez5", name: "org.bluez", on: bus)
    }

    /// Starts a fresh bluetoothd stand-in after the old one died.
    mutating func restart() async throws {
        mock = try await DBusMock.template("bluez5", name: "org.bluez", on: bus)
    }

    @discardableResult
    func addAdapter(_ name: String = "hci0") async throws -> ObjectPath {
        let reply = try await control.call(destination: "org.bluez", path: "/", interface: Self.mockInterface, member: "AddAdapter", [.string(name), .string("sonyctl-test")])
        return try ObjectPath(try reply.decode(String.self))
    }

    @discardableResult
    func addDevice(_ address: String, _ alias: String, adapter: String = "hci0") async throws -> ObjectPath {
        let reply = try await control.call(destination: "org.bluez", path: "/", interface: Self.mockInterface, member: "AddDevice", [.string(adapter), .string(address), .string(alias)])
        return try ObjectPath(try reply.decode(String.self))
    }

    func removeAdapter(_ name: String = "hci0") async throws {
        _ = try await control.call(destination: "org.bluez", path: "/", interface: Self.mockInterface, member: "RemoveAdapterWithDevices", [.string(name)])
    }

    /// Changes properties the way bluetoothd would, with `PropertiesChanged`.
    func update(_ path: ObjectPath, _ interface: String, _ properties: [String: Variant]) async throws {
        _ = try await control.call(destination: "org.bluez", path: path, interface: "org.freedesktop.DBus.Mock", member: "UpdateProperties", [.string(interface), properties.dbusValue])
    }

    /// Emits any signal from bluetoothd's own connection, shape unchecked.
    func emit(from path: ObjectPath, _ interface: String, _ member: String, _ args: [DBusValue]) async throws {
        _ = try await control.call(
            destination: "org.bluez", path: path, interface: "org.freedesktop.DBus.Mock", member: "EmitSignal",
            [.string(interface), .string(member), .string(args.map(\.type.code).joined()), .array(.variant, args.map(DBusValue.variant))])
    }
}

/// Waits until the mirror's tree satisfies `condition`.
func waitFor(_ client: BlueZClient, _ what: String, within limit: Duration = .seconds(30), _ condition: @escaping @Sendable (ObjectTree) -> Bool) async throws {
    let events = client.events()
    if condition(client.tree) { return }
    _ = try await first(events, within: limit, what) { _ in condition(client.tree) }
}

/// Polls a condition nothing announces, up to a deadline.
func waitUntil(_ what: String, within limit: Duration = .seconds(30), _ condition: @escaping @Sendable () async -> Bool) async throws {
    try await withDeadline(limit, what) {
        while await !condition() { try await Task.sleep(for: .milliseconds(20)) }
    }
}
