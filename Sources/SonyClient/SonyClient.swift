public import DBus

/// A typed client of `org.sonyctl.Daemon1`: every method either returns
/// values checked for shape or throws a `ClientError`.
public final class SonyClient: Sendable {
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// The system bus (or `DBUS_SYSTEM_BUS_ADDRESS`).
    public static func system() throws(ClientError) -> SonyClient {
        do {
            return SonyClient(connection: try Connection.system())
        } catch {
            throw ClientError(.busUnavailable, "cannot reach the system bus: \(error.message)", errorName: error.name.rawValue)
        }
    }

    // MARK: - Manager

    public func manager() async throws(ClientError) -> ManagerInfo {
        let reply = try await call(Daemon1.manager, .properties, "GetAll", [.string(Daemon1.managerInterface.rawValue)])
        return try ManagerInfo(properties: decoded { () throws(DBusDecodingError) in try reply.decode([String: Variant].self) })
    }

    /// Every device object, ordered by address.
    public func devices() async throws(ClientError) -> [DeviceSnapshot] {
        let reply = try await call(Daemon1.manager, .objectManager, "GetManagedObjects")
        let objects = try decoded { () throws(DBusDecodingError) in try reply.decode([ObjectPath: [String: [String: Variant]]].self) }
        var devices: [DeviceSnapshot] = []
        for (path, interfaces) in objects {
            guard let properties = interfaces[Daemon1.deviceInterface.rawValue] else { continue }
            devices.append(try DeviceSnapshot(path: path, properties: properties))
        }
        return devices.sorted { ($0.address, $0.path) < ($1.address, $1.path) }
    }

    /// The object of the device an address, name or model names.
    public func resolve(_ query: String) async throws(ClientError) -> ObjectPath {
        let reply = try await call(Daemon1.manager, Daemon1.managerInterface, "ResolveDevice", [.string(query)])
        return try decoded { () throws(DBusDecodingError) in try reply.decode(ObjectPath.self) }
    }

    // MARK: - Device

    public func device(_ path: ObjectPath) async throws(ClientError) -> DeviceSnapshot {
        let reply = try await call(path, .properties, "GetAll", [.string(Daemon1.deviceInterface.rawValue)])
        return try DeviceSnapshot(path: path, properties: decoded { () throws(DBusDecodingError) in try reply.decode([String: Variant].self) })
    }

    public func forget(_ path: ObjectPath) async throws(ClientError) {
        // polkit may ask for a password first.
        _ = try await call(path, Daemon1.deviceInterface, "Forget", timeout: .seconds(300))
    }

    /// Returns when the repair has succeeded; throws how it failed otherwise.
    public func repair(_ path: ObjectPath, _ request: RepairRequest = RepairRequest()) async throws(ClientError) {
        _ = try await call(path, Daemon1.deviceInterface, "Repair", [request.options.dbusValue], timeout: request.callTimeout)
    }

    /// Returns once the daemon has stopped the repair and cleaned up.
    public func cancelRepair(_ path: ObjectPath) async throws(ClientError) {
        _ = try await call(path, Daemon1.deviceInterface, "CancelRepair", timeout: .seconds(300))
    }

    /// Events at or after `since` (µs since the epoch), at most the newest
    /// `limit` (0: all), oldest first.
    public func history(_ path: ObjectPath, since: UInt64 = 0, limit: UInt32 = 0) async throws(ClientError) -> [HistoryEvent] {
        let reply = try await call(path, Daemon1.deviceInterface, "GetHistory", [.uint64(since), .uint32(limit)])
        return try decoded { () throws(DBusDecodingError) in try HistoryEvent.decodeList(reply) }
    }

    public func diagnose(_ path: ObjectPath) async throws(ClientError) -> Diagnosis {
        let reply = try await call(path, Daemon1.deviceInterface, "Diagnose")
        return try decoded { () throws(DBusDecodingError) in try Diagnosis(reply) }
    }

    // MARK: - Plumbing

    func call(
        _ path: ObjectPath, _ interface: InterfaceName, _ member: MemberName, _ body: [DBusValue] = [],
        timeout: Duration = Connection.defaultTimeout
    ) async throws(ClientError) -> Message {
        do {
            return try await connection.call(
                .methodCall(destination: Daemon1.bus, path: path, interface: interface, member: member, body: body), timeout: timeout)
        } catch {
            throw ClientError.from(error)
        }
    }

    func decoded<T>(_ body: () throws(DBusDecodingError) -> T) throws(ClientError) -> T {
        do {
            return try body()
        } catch {
            throw ClientError(.badReply, "sonyctld answered in an unexpected shape: \(error)")
        }
    }
}
