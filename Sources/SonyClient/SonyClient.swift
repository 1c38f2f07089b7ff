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
        try Self.manager(from: await call(Self.managerRequest))
    }

    /// Every device object, ordered by address.
    public func devices() async throws(ClientError) -> [DeviceSnapshot] {
        try Self.devices(from: await call(Self.devicesRequest))
    }

    /// The devices and the manager in one round trip, with blocking calls: for a
    /// tool that asks this one question and exits (`sonyctl list`).
    public static func overview(on bus: BlockingConnection) throws(ClientError) -> (devices: [DeviceSnapshot], manager: ManagerInfo) {
        let replies: [Message]
        do {
            replies = try bus.call([devicesRequest, managerRequest])
        } catch {
            throw ClientError(error)
        }
        return (try devices(from: replies[0]), try manager(from: replies[1]))
    }

    /// The system bus for blocking calls, its failure told as a client's.
    public static func blockingSystemBus() throws(ClientError) -> BlockingConnection {
        do {
            return try BlockingConnection.system()
        } catch {
            throw ClientError(.busUnavailable, "cannot reach the system bus: \(error.message)", errorName: error.name.rawValue)
        }
    }

    static let managerRequest = Message.methodCall(
        destination: Daemon1.bus, path: Daemon1.manager, interface: .properties, member: "GetAll",
        body: [.string(Daemon1.managerInterface.rawValue)])
    static let devicesRequest = Message.methodCall(
        destination: Daemon1.bus, path: Daemon1.manager, interface: .objectManager, member: "GetManagedObjects")

    // The two replies are read straight from the decoded values rather than through
    // the generic `decode` of nested dictionaries: that one resolves its conditional
    // conformances at run time, which a one-shot `sonyctl list` pays for in start-up.

    static func manager(from reply: Message) throws(ClientError) -> ManagerInfo {
        guard reply.signature == "a{sv}", let entries = reply.body.first?.stringKeyedEntries else {
            throw ClientError(.badReply, "sonyctld answered GetAll with \"\(reply.signature)\", not \"a{sv}\"")
        }
        return try ManagerInfo(properties: variants(entries))
    }

    static func devices(from reply: Message) throws(ClientError) -> [DeviceSnapshot] {
        guard reply.signature == "a{oa{sa{sv}}}", case .dictionary(_, _, let objects)? = reply.body.first else {
            throw ClientError(.badReply, "sonyctld answered GetManagedObjects with \"\(reply.signature)\", not \"a{oa{sa{sv}}}\"")
        }
        var devices: [DeviceSnapshot] = []
        for object in objects {
            guard let path = object.key.objectPathValue,
                  let properties = object.value.stringKeyedEntries?.last(where: { $0.key == Daemon1.deviceInterface.rawValue })?.value
                    .stringKeyedEntries else { continue }
            devices.append(try DeviceSnapshot(path: path, properties: variants(properties)))
        }
        return devices.sorted { ($0.address, $0.path) < ($1.address, $1.path) }
    }

    /// `a{sv}` entries as the dictionary the snapshots read.
    private static func variants(_ entries: [(key: String, value: DBusValue)]) -> [String: Variant] {
        Dictionary(entries.map { ($0.key, Variant($0.value.unwrapped)) }, uniquingKeysWith: { $1 })
    }

    /// The object of the device an address, name or model names.
    public func resolve(_ query: String) async throws(ClientError) -> ObjectPath {
        let reply = try await call(Daemon1.manager, Daemon1.managerInterface, "ResolveDevice", [.string(query)])
        return try Self.decoded { () throws(DBusDecodingError) in try reply.decode(ObjectPath.self) }
    }

    // MARK: - Device

    public func device(_ path: ObjectPath) async throws(ClientError) -> DeviceSnapshot {
        let reply = try await call(path, .properties, "GetAll", [.string(Daemon1.deviceInterface.rawValue)])
        return try DeviceSnapshot(path: path, properties: Self.decoded { () throws(DBusDecodingError) in try reply.decode([String: Variant].self) })
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
        return try Self.decoded { () throws(DBusDecodingError) in try HistoryEvent.decodeList(reply) }
    }

    public func diagnose(_ path: ObjectPath) async throws(ClientError) -> Diagnosis {
        let reply = try await call(path, Daemon1.deviceInterface, "Diagnose")
        return try Self.decoded { () throws(DBusDecodingError) in try Diagnosis(reply) }
    }

    // MARK: - Plumbing

    func call(
        _ path: ObjectPath, _ interface: InterfaceName, _ member: MemberName, _ body: [DBusValue] = [],
        timeout: Duration = Connection.defaultTimeout
    ) async throws(ClientError) -> Message {
        try await call(.methodCall(destination: Daemon1.bus, path: path, interface: interface, member: member, body: body), timeout: timeout)
    }

    func call(_ message: Message, timeout: Duration = Connection.defaultTimeout) async throws(ClientError) -> Message {
        do {
            return try await connection.call(message, timeout: timeout)
        } catch {
            throw ClientError.from(error)
        }
    }

    static func decoded<T>(_ body: () throws(DBusDecodingError) -> T) throws(ClientError) -> T {
        do {
            return try body()
        } catch {
            throw ClientError(.badReply, "sonyctld answered in an unexpected shape: \(error)")
        }
    }
}
