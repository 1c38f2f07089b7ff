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
    public let configuration: DaemonConfiguration
    let authorizer: Authorizer
    let manager: ExportedObject
    let agent: BlueZAgent
    let repairs: RepairJobs
    private let state: Mutex<State>

    struct State {
        var registry: SonyRegistry
        var records: [String: DeviceRecord] = [:]
        var objects: [String: ExportedObject] = [:]
        /// The adapter each device was last seen on, so a device BlueZ has
        /// forgotten is looked for again where it was.
        var adapters: [String: ObjectPath] = [:]
    }

    public convenience init(connection: Connection, catalogue: ModelCatalogue, fallbackGroup: String?) {
        self.init(connection: connection, catalogue: catalogue, configuration: DaemonConfiguration(fallbackGroup: fallbackGroup))
    }

    public init(connection: Connection, catalogue: ModelCatalogue, configuration: DaemonConfiguration = DaemonConfiguration()) {
        self.connection = connection
        self.configuration = configuration
        bluez = BlueZClient(connection: connection)
        authorizer = Authorizer(connection: connection, fallbackGroup: configuration.fallbackGroup)
        // Headsets pair "Just Works"; the agent only has to be there and say yes.
        agent = BlueZAgent(client: bluez) { _ in true }
        repairs = RepairJobs(executor: connection.executor)
        state = Mutex(State(registry: SonyRegistry(catalogue: catalogue)))
        let resolve = Mutex<(@Sendable (MethodCall) throws -> [DBusValue])?>(nil)
        manager = ExportedObject(
            path: DaemonNames.managerPath,
            interfaces: [DaemonInterfaces.manager { call in try resolve.withLock { $0 }?(call) ?? [] }],
            objectManager: true)
        resolve.withLock { $0 = { [weak self] call in try self?.resolveDevice(call) ?? [] } }
    }

    /// Serves until the bus goes away or the task is cancelled. Either way it
    /// cleans up before returning: repairs cancelled (their discovery stopped,
    /// the agent unregistered), then the bus name released.
    public func run() async throws {
        try connection.export(manager)
        do {
            try await serve()
        } catch {
            await Task { await self.shutdown() }.value
            throw error
        }
        await Task { await self.shutdown() }.value
    }

    private func shutdown() async {
        await repairs.cancelAll()
        if connection.isConnected { _ = try? await connection.releaseName(DaemonNames.busName) }
    }

    private func serve() async throws {
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
                if let adapter = device.adapter { s.adapters[sony.address] = adapter }
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
            repair: { [weak self] call in
                guard let self else { throw DaemonError(.failed, "the daemon is stopping") }
                try await self.repair(record.address, call)
                return []
            },
            cancelRepair: { [weak self] call in
                guard let self else { throw DaemonError(.failed, "the daemon is stopping") }
                try await self.cancelRepair(record.address, call)
                return []
            },
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
        do {
            try await DeviceRemoval(bluez: bluez).remove([address] + (twin.map { [$0] } ?? []))
        } catch {
            throw DaemonError(error.kind == .bluezUnavailable ? .bluezUnavailable : .failed, "BlueZ refused to forget \(address): \(error)")
        }
    }

    func object(for address: String) -> ExportedObject? {
        state.withLock { $0.objects[address] }
    }

    func record(for address: String) -> (record: DeviceRecord?, twin: String?, lastAdapter: ObjectPath?) {
        state.withLock { ($0.records[address], $0.registry.twin(of: address), $0.adapters[address]) }
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
