public import BlueZ
public import DBus
public import SonyCore
import Synchronization

/// sonyctld: `org.sonyctl.Daemon1` over a BlueZ mirror.
///
/// Exports the manager first, follows BlueZ, exports a Device object for every
/// Sony device it identifies (kept, with `Present=false`, when BlueZ forgets
/// it), and asks for the bus name last, so that whoever sees the name finds
/// the objects already there.
public final class SonyDaemon: Sendable {
    public let connection: Connection
    public let bluez: BlueZClient
    let authorizer: Authorizer
    let manager: ExportedObject
    private let state: Mutex<State>

    struct State {
        var registry: SonyRegistry
        var records: [String: DeviceRecord] = [:]
        var objects: [String: ExportedObject] = [:]
    }

    public init(connection: Connection, catalogue: ModelCatalogue, fallbackGroup: String? = nil) {
        self.connection = connection
        bluez = BlueZClient(connection: connection)
        authorizer = Authorizer(connection: connection, fallbackGroup: fallbackGroup)
        state = Mutex(State(registry: SonyRegistry(catalogue: catalogue)))
        let resolve = Mutex<(@Sendable (MethodCall) throws -> [DBusValue])?>(nil)
        manager = ExportedObject(
            path: DaemonNames.managerPath,
            interfaces: [DaemonInterfaces.manager { call in try resolve.withLock { $0 }?(call) ?? [] }],
            objectManager: true)
        resolve.withLock { $0 = { [weak self] call in try self?.resolveDevice(call) ?? [] } }
    }

    /// Serves until the bus goes away or the task is cancelled.
    public func run() async throws {
        try connection.export(manager)
        let events = bluez.events()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.bluez.run() }
            group.addTask {
                for await event in events { self.apply(event) }
            }
            guard try await connection.requestName(DaemonNames.busName) == .primaryOwner else {
                throw DaemonError(.failed, "\(DaemonNames.busName) is owned by another process")
            }
            group.addTask {
                await self.connection.waitUntilDisconnected()
                throw DBusError(.disconnected, "the system bus went away")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    public var records: [DeviceRecord] { state.withLock { Array($0.records.values) } }

    // MARK: - Following BlueZ

    func apply(_ event: BlueZEvent) {
        switch event {
        case .available, .unavailable:
            try? manager.setProperty("BluezAvailable", of: DaemonNames.managerInterface, to: .boolean(event == .available))
            updateAdapters()
        case .adapterAdded, .adapterRemoved, .adapterChanged:
            updateAdapters()
        case .deviceAdded(let device), .deviceChanged(let device, _):
            seen(device)
        case .deviceRemoved(let device):
            gone(device)
        case .deviceDisconnected:
            break
        }
    }

    private func updateAdapters() {
        let names = bluez.tree.adapters.values.map(\.id).sorted()
        try? manager.setProperty("Adapters", of: DaemonNames.managerInterface, to: .array(.string, names.map(DBusValue.string)))
    }

    private func seen(_ device: DeviceInfo) {
        let (record, fresh) = state.withLock { s -> (DeviceRecord?, Bool) in
            switch s.registry.update(DeviceFacts(device)) {
            case .added(let sony), .updated(_, let sony), .unchanged(let sony):
                let fresh = s.records[sony.address] == nil
                let record = DeviceRecord(sony: sony, bluez: device)
                s.records[sony.address] = record
                return (record, fresh)
            default:
                return (nil, false)
            }
        }
        guard let record else { return }
        fresh ? export(record) : publish(record)
    }

    private func gone(_ device: DeviceInfo) {
        guard let address = device.address?.description else { return }
        let record = state.withLock { s -> DeviceRecord? in
            guard case .departed(let sony) = s.registry.remove(address: address) else { return nil }
            let record = DeviceRecord(sony: sony, bluez: nil)
            s.records[sony.address] = record
            return record
        }
        if let record { publish(record) }
    }

    private func export(_ record: DeviceRecord) {
        guard let path = DaemonNames.devicePath(for: record.address) else { return }
        let handlers = DaemonInterfaces.DeviceHandlers(
            forget: { [weak self] call in
                guard let self else { throw DaemonError(.failed, "the daemon is stopping") }
                try await self.forget(record.address, call)
                return []
            },
            repair: { _ in throw DaemonError(.failed, "repair is not available in this version of sonyctld") },
            cancelRepair: { _ in throw DaemonError(.notRepairing, "no repair is running for this device") },
            history: { _ in [.array(.structure([.uint64, .string, .dictionary(key: .string, value: .variant)]), [])] })
        let object = ExportedObject(path: path, interfaces: [DaemonInterfaces.device(handlers, initial: record.properties)])
        state.withLock { $0.objects[record.address] = object }
        try? connection.export(object)
    }

    private func publish(_ record: DeviceRecord) {
        guard let object = state.withLock({ $0.objects[record.address] }) else { return }
        try? object.setProperties(of: DaemonNames.deviceInterface, record.properties)
    }

    // MARK: - Methods

    func resolveDevice(_ call: MethodCall) throws -> [DBusValue] {
        let query = try call.arguments(String.self).trimmingSpaces()
        guard !query.isEmpty else { throw DBusError(.invalidArgs, "the query is empty: give an address, a name or a model") }
        let records = state.withLock { Array($0.records.values) }
        let match = try DeviceResolver.resolve(query, among: records)
        guard let path = DaemonNames.devicePath(for: match.address) else {
            throw DaemonError(.unknownDevice, "no device matches \"\(query)\"")
        }
        return [.objectPath(path)]
    }

    /// The host half of a network reset: disconnect, then remove the device
    /// and its `LE_` twin from BlueZ. Done, too, when BlueZ has nothing left.
    func forget(_ address: String, _ call: MethodCall) async throws {
        try await authorizer.authorize(call)
        guard bluez.isAvailable else { throw DaemonError(.bluezUnavailable, "bluetoothd is not running") }
        let twin = state.withLock { $0.registry.twin(of: address) }
        let tree = bluez.tree
        let targets = [address, twin].compactMap { $0 }.flatMap { addr in
            tree.devices.values.filter { $0.address?.description == addr.uppercased() }
        }
        for device in targets {
            if device.connected { try? await bluez.disconnect(device.path) }
            do {
                try await bluez.removeDevice(device.path)
            } catch where error.kind == .doesNotExist || error.kind == .unknownObject {
                continue
            } catch {
                throw DaemonError(error.kind == .bluezUnavailable ? .bluezUnavailable : .failed, "BlueZ refused to remove \(device.path): \(error)")
            }
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
