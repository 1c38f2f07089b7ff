public import BlueZ
public import DBus
public import Logging
public import SonyCore
import Locking

/// sonyctld: `org.sonyctl.Daemon1` over a BlueZ mirror.
///
/// Exports the manager first, restores the devices and recent history it knew, follows
/// BlueZ, exports a Device object for every Sony device (kept, with `Present=false`,
/// when BlueZ forgets it), and asks for the bus name last, so that whoever sees the
/// name finds the objects already there.
public final class SonyDaemon: Sendable {
    public let connection: Connection
    public let bluez: BlueZClient
    public let configuration: DaemonConfiguration
    public let catalogue: ModelCatalogue
    public let history: HistoryStore
    public let logger: Logger
    let clock: any WallClock
    let authorizer: Authorizer
    let manager: ExportedObject
    let agent: BlueZAgent
    let repairs: RepairJobs
    let watch: ConnectionWatch
    /// Opens when the first `.available` from the mirror has been applied.
    private let synced = Latch()
    /// How far the events loop has got through what the mirror gave it, and how much
    /// that is (set when the loop subscribes).
    private let progress = EventProgress()
    private let produced = Lock<Producer>(Producer { 0 })

    /// In a struct, so the closure keeps one abstraction inside the Lock (see
    /// WeakReference on what a bare function value in a Lock costs).
    struct Producer: Sendable {
        let count: @Sendable () -> UInt64
        init(_ count: @escaping @Sendable () -> UInt64) { self.count = count }
    }
    private let state: Lock<State>

    struct State {
        var registry: SonyRegistry
        var records: [String: DeviceRecord] = [:]
        var objects: [String: ExportedObject] = [:]
        /// The adapter each device was last seen on, so a device BlueZ has
        /// forgotten is looked for again where it was.
        var adapters: [String: ObjectPath] = [:]
    }

    public init(
        connection: Connection, catalogue: ModelCatalogue, configuration: DaemonConfiguration = DaemonConfiguration(),
        history: HistoryStore, clock: any WallClock = SystemWallClock(), logger: Logger = SonyDaemon.silent
    ) {
        self.connection = connection
        self.configuration = configuration
        self.catalogue = catalogue
        self.history = history
        self.clock = clock
        self.logger = logger
        bluez = BlueZClient(connection: connection)
        authorizer = Authorizer(connection: connection, fallbackGroup: configuration.fallbackGroup, timeout: configuration.polkitTimeout)
        // Headsets pair "Just Works"; the agent only has to be there and say yes.
        agent = BlueZAgent(client: bluez) { _ in true }
        repairs = RepairJobs(executor: connection.executor)
        watch = ConnectionWatch(
            policy: configuration.watch, advisor: Advisor(catalogue: catalogue), store: history, clock: clock, logger: logger)
        state = Lock(State(registry: SonyRegistry(catalogue: catalogue)))
        // The manager's handler needs the daemon, which is not whole yet. A weak reference,
        // not a closure kept in a Lock: a function value passed inout through a generic is
        // re-wrapped in a thunk on every access, and 20,000 ResolveDevice calls overflowed
        // the stack of the release build.
        let daemon = WeakReference<SonyDaemon>()
        manager = ExportedObject(
            path: DaemonNames.managerPath,
            interfaces: [DaemonInterfaces.manager { call in try daemon.value?.resolveDevice(call) ?? [] }],
            objectManager: true)
        daemon.value = self
        watch.connect(ConnectionWatch.Output(
            publish: { [weak self] address, properties in self?.publish(address, properties) },
            pattern: { [weak self] address, finding, advice in self?.signalPattern(address, finding, advice) },
            reconnect: { [weak self] address in await self?.reconnect(address) ?? false },
            audioStillMissing: { [weak self] address in self?.audioStillMissing(address) ?? false }))
    }

    /// A logger that says nothing: what tests and embedders get unless they pass one.
    public static let silent = Logger(label: "sonyctld") { _ in SwiftLogNoOpLogHandler() }

    /// Serves until the bus goes away or the task is cancelled. Either way it
    /// cleans up before returning: repairs cancelled (their discovery stopped,
    /// the agent unregistered), then the bus name released.
    public func run() async throws {
        try connection.export(manager)
        await restore()
        do {
            try await serveUntilStopped()
        } catch {
            await Task { await self.shutdown() }.value
            throw error
        }
        await Task { await self.shutdown() }.value
    }

    private func shutdown() async {
        await repairs.cancelAll()
        // The Repair calls those jobs belonged to answer `Cancelled` from their own
        // tasks: before the name goes, or their callers see only `NoReply`.
        await connection.finishCalls()
        watch.stop()
        if connection.isConnected { _ = try? await connection.releaseName(DaemonNames.busName) }
        logger.info("stopped")
    }

    private func serve() async throws {
        let (events, produced) = bluez.events(ignoringChangesTo: Self.noise)
        self.produced.withLock { $0 = Producer(produced) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.bluez.run() }
            group.addTask {
                for await event in events {
                    await self.apply(event)
                    self.progress.advance()
                }
            }
            group.addTask { try await self.followSleep() }
            // The name last: whoever it wakes (a D-Bus activated `sonyctl list`) must find
            // the devices BlueZ has, not an empty daemon still syncing.
            await bluez.firstLook()
            if bluez.isAvailable { await synced.wait() }
            guard try await connection.requestName(DaemonNames.busName) == .primaryOwner else {
                throw DaemonError(.failed, "\(DaemonNames.busName) is owned by another process")
            }
            logger.info("serving \(DaemonNames.busName)")
            group.addTask { await self.connection.waitUntilDisconnected() }
            try await group.next()
            group.cancelAll()
        }
        // Whichever part noticed first, a bus that went away is a failure, so that
        // systemd restarts us; only a cancellation (SIGTERM) is a clean stop.
        if !connection.isConnected && !Task.isCancelled { throw Self.busGone }
    }

    static let busGone = DBusError(.disconnected, "the system bus went away")

    /// `serve`, with any part's "disconnected" told as what it means for the daemon.
    private func serveUntilStopped() async throws {
        do {
            try await serve()
        } catch let error as DBusError where error.name == .disconnected && !connection.isConnected {
            throw Self.busGone
        }
    }

    public var records: [DeviceRecord] { state.withLock { Array($0.records.values) } }

    /// Returns once every BlueZ event published until now has been applied: a repair
    /// records its end after the pairing and connect it caused, not before.
    func caughtUp() async {
        await progress.reach(produced.withLock { $0 }.count())
    }

    // MARK: - What the history knew

    /// Devices from earlier runs get their objects back (absent until BlueZ shows them),
    /// and recent history is replayed into the watch.
    private func restore() async {
        let now = clock.now()
        let policy = configuration.watch
        let span = max(policy.escalationWindow, policy.flappingWindow, DeviceWatch.hour)
        do {
            let known = try await history.knownDevices()
            watch.restore(try await history.events(since: now > span ? now - span : 0))
            for device in known {
                let sony = SonyDevice(
                    address: device.address, name: device.name, model: device.model.flatMap(catalogue.model(id:)),
                    evidence: device.evidence.compactMap(Evidence.init(rawValue:)), generation: .unknown, isPresent: false)
                let record = state.withLock { s -> DeviceRecord? in
                    s.registry.remember(sony)
                    guard let remembered = s.registry.device(at: sony.address) else { return nil }
                    let record = DeviceRecord(sony: remembered, bluez: nil)
                    s.records[remembered.address] = record
                    return record
                }
                if let record { export(record) }
            }
            logger.info("restored history", metadata: ["devices": "\(known.count)", "database": "\(history.path ?? "in memory")"])
        } catch {
            logger.error("could not read the history: \(error)")
        }
    }

    // MARK: - Following BlueZ

    func apply(_ event: BlueZEvent) async {
        switch event {
        case .available:
            logger.info("bluetoothd is on the bus", metadata: ["owner": "\(bluez.owner?.rawValue ?? "?")"])
            try? manager.setProperty("BluezAvailable", of: DaemonNames.managerInterface, to: .boolean(true))
            updateAdapters()
            synced.open()
        case .unavailable:
            // Our own bus going away (or stopping) looks the same to the mirror: only a
            // bluetoothd that left a bus we are still on has taken the links with it.
            guard connection.isConnected, !Task.isCancelled else { return }
            logger.warning("bluetoothd left the bus")
            try? manager.setProperty("BluezAvailable", of: DaemonNames.managerInterface, to: .boolean(false))
            updateAdapters()
            await watch.bluezLeft()
        case .adapterAdded, .adapterRemoved, .adapterChanged:
            updateAdapters()
        case .deviceAdded(let device):
            await seen(device, changed: nil)
        case .deviceChanged(let device, let changed):
            await seen(device, changed: changed)
        case .deviceRemoved(let device):
            await gone(device)
        case .deviceDisconnected(let device, let reason, let message):
            guard let address = device.address?.description, state.withLock({ $0.records[address] != nil }) else { return }
            watch.disconnectReason(address, reason: DropReason(rawValue: reason.rawValue) ?? .unknown, message: message)
        }
    }

    private func updateAdapters() {
        let names = bluez.tree.adapters.values.map(\.id).sorted()
        try? manager.setProperty("Adapters", of: DaemonNames.managerInterface, to: .array(.string, names.map(DBusValue.string)))
    }

    /// Properties that change with every advert or inquiry result and mean nothing to
    /// identification, the Device properties or the watch: an RSSI storm stays in the
    /// mirror (the next history event reads the latest RSSI from it) and wakes nobody.
    static let noise: Set<String> = ["RSSI", "TxPower", "ManufacturerData", "ServiceData", "AdvertisingFlags", "AdvertisingData"]

    private func seen(_ device: DeviceInfo, changed: Set<String>?) async {
        let seen = state.withLock { s -> (old: DeviceInfo?, record: DeviceRecord, fresh: Bool, learnt: Bool)? in
            switch s.registry.update(DeviceFacts(device)) {
            case .added(let sony), .updated(_, let sony), .unchanged(let sony):
                let previous = s.records[sony.address]
                if let adapter = device.adapter { s.adapters[sony.address] = adapter }
                let record = DeviceRecord(sony: sony, bluez: device)
                s.records[sony.address] = record
                let learnt = previous?.sony.model != sony.model || previous?.sony.evidence != sony.evidence || previous == nil
                return (previous?.bluez, record, s.objects[sony.address] == nil, learnt)
            default:
                return nil
            }
        }
        guard let seen else { return }
        if seen.fresh {
            logger.info("Sony device", metadata: [
                "device": "\(seen.record.address)", "model": "\(seen.record.sony.model?.id ?? "unknown")",
                "evidence": "\(seen.record.sony.evidence.map(\.rawValue).joined(separator: ","))",
            ])
            export(seen.record)
        }
        if seen.learnt { await remember(seen.record) }
        await watch.update(subject(seen.record), old: seen.old, new: device, hostAudioReady: hostAudioReady(device.adapter))
        // Published once the watch has written what the change means: a client that sees
        // `Connected` turn and asks for the history finds the connect or the drop in it,
        // as it does for the watch's own properties (ConnectionWatch.conclude).
        if !seen.fresh { publish(seen.record) }
    }

    private func gone(_ device: DeviceInfo) async {
        guard let address = device.address?.description else { return }
        let change = state.withLock { s -> (old: DeviceInfo?, record: DeviceRecord)? in
            guard case .departed(let sony) = s.registry.remove(address: address) else { return nil }
            let old = s.records[sony.address]?.bluez
            let record = DeviceRecord(sony: sony, bluez: nil)
            s.records[sony.address] = record
            return (old, record)
        }
        guard let change else { return }
        await watch.update(subject(change.record), old: change.old, new: nil, hostAudioReady: true)
        publish(change.record)
    }

    private func remember(_ record: DeviceRecord) async {
        let known = KnownDevice(
            address: record.address, name: record.sony.name, model: record.sony.model?.id,
            evidence: record.sony.evidence.map(\.rawValue), adapter: record.bluez?.adapter.map(BlueZPaths.name(of:)))
        do {
            try await history.remember(known)
        } catch {
            logger.error("could not remember \(record.address): \(error)")
        }
    }

    func subject(_ record: DeviceRecord) -> Advisor.Subject {
        Advisor.Subject(
            name: record.sony.name ?? record.bluez?.name ?? record.sony.model?.id ?? record.address,
            address: record.address, model: record.sony.model)
    }

    /// Whether an audio server has registered its roles on this adapter (A2DP source or
    /// HFP gateway in `UUIDs`): without one, no audio profile can come up.
    func hostAudioReady(_ adapter: ObjectPath?) -> Bool {
        guard let adapter, let info = bluez.tree.adapters[adapter] else { return false }
        let roles = Set(info.uuids.map { $0.lowercased() })
        return roles.contains("0000110a-0000-1000-8000-00805f9b34fb") || roles.contains("0000111f-0000-1000-8000-00805f9b34fb")
    }

    // MARK: - Objects

    private func export(_ record: DeviceRecord) {
        guard let path = DaemonNames.devicePath(for: record.address) else { return }
        let address = record.address
        let handlers = DaemonInterfaces.DeviceHandlers(
            forget: { [weak self] call in
                try await self.orStopping().forget(address, call)
                return []
            },
            repair: { [weak self] call in
                try await self.orStopping().repair(address, call)
                return []
            },
            cancelRepair: { [weak self] call in
                try await self.orStopping().cancelRepair(address, call)
                return []
            },
            history: { [weak self] call in try await self.orStopping().getHistory(address, call) },
            diagnose: { [weak self] _ in try self.orStopping().diagnose(address) })
        let properties = record.properties.merging(watch.properties(address)) { $1 }
        let object = ExportedObject(path: path, interfaces: [DaemonInterfaces.device(handlers, initial: properties)])
        state.withLock { $0.objects[address] = object }
        try? connection.export(object)
    }

    private func publish(_ record: DeviceRecord) {
        publish(record.address, record.properties)
    }

    private func publish(_ address: String, _ properties: [MemberName: DBusValue]) {
        guard let object = object(for: address) else { return }
        try? object.setProperties(of: DaemonNames.deviceInterface, properties)
    }

    private func signalPattern(_ address: String, _ finding: PatternFinding, _ advice: Advice) {
        try? object(for: address)?.emit("DisconnectPattern", of: DaemonNames.deviceInterface, [
            .string(finding.kind.rawValue), .uint32(UInt32(clamping: finding.count)),
            .uint32(UInt32(clamping: finding.windowSeconds)), .string(advice.text),
        ])
    }

    /// The after-flapping policy's reconnect; `true` once the link is up.
    private func reconnect(_ address: String) async -> Bool {
        guard let path = record(for: address).record?.bluez?.path else { return false }
        do {
            try await bluez.connect(path)
            logger.info("reconnected after flapping", metadata: ["device": "\(address)"])
            return true
        } catch {
            logger.info("reconnect after flapping failed", metadata: ["device": "\(address)", "error": "\(error)"])
            return false
        }
    }

    private func audioStillMissing(_ address: String) -> Bool {
        guard let path = record(for: address).record?.bluez?.path, let device = bluez.tree.devices[path] else { return false }
        return device.connected && !device.audioProfileUp
    }

    // MARK: - Methods

    /// The longest device name Bluetooth allows (Core spec, Vol 3 Part C, 3.2.2).
    static let maxQueryBytes = 248

    func resolveDevice(_ call: MethodCall) throws -> [DBusValue] {
        let query = try call.arguments(String.self).trimmingSpaces()
        guard !query.isEmpty else { throw DBusError(.invalidArgs, "the query is empty: give an address, a name or a model") }
        // Nothing longer can match, and the errors below quote the query back.
        guard query.utf8.count <= Self.maxQueryBytes else {
            throw DBusError(.invalidArgs, "the query is \(query.utf8.count) bytes; a Bluetooth name has at most \(Self.maxQueryBytes)")
        }
        let path = try state.withLock { s throws(DaemonError) -> ObjectPath? in
            s.objects[try DeviceResolver.resolve(query, among: s.records.values)]?.path
        }
        guard let path else { throw DaemonError(.unknownDevice, "no device matches \"\(query)\"") }
        return [.objectPath(path)]
    }

    /// The host half of a network reset: disconnect, then remove the device
    /// and its `LE_` twin from BlueZ. Done, too, when BlueZ has nothing left.
    func forget(_ address: String, _ call: MethodCall) async throws {
        try await authorizer.authorize(call)
        guard bluez.isAvailable else { throw DaemonError(.bluezUnavailable, "bluetoothd is not running") }
        let twin = state.withLock { $0.registry.twin(of: address) }
        do {
            try await watch.deliberately(address) {
                try await DeviceRemoval(bluez: bluez).remove([address] + (twin.map { [$0] } ?? []))
            }
        } catch let error as BlueZError {
            throw DaemonError(error.kind == .bluezUnavailable ? .bluezUnavailable : .failed, "BlueZ refused to forget \(address): \(error)")
        }
        await caughtUp()
        logger.notice("forgotten", metadata: ["device": "\(address)", "twin": "\(twin ?? "none")", "by": "\(call.sender?.rawValue ?? "?")"])
        await watch.record(HistoryEvent(time: clock.now(), address: address, kind: .forgotten))
    }

    /// The most events one `GetHistory` answers with, some megabytes on the wire: the default
    /// retention (100,000 events over all devices) rarely reaches it for one device, and
    /// anyone may ask, so the daemon must not be made to build replies of any size.
    static let maxEventsPerReply = 50_000

    /// `Device.GetHistory(t since_us, u limit)`.
    func getHistory(_ address: String, _ call: MethodCall) async throws -> [DBusValue] {
        let (since, limit) = try call.arguments(UInt64.self, UInt32.self)
        let events: [HistoryEvent]
        do {
            events = try await history.events(of: address, since: since, limit: Int(limit), cap: Self.maxEventsPerReply)
        } catch let error as TooManyEvents {
            throw DBusError(.limitsExceeded, "more than \(error.cap) events match; ask for the newest with a limit of at most \(error.cap), or for a later since_us")
        }
        return [.array(HistoryEvent.dbusType, events.map(\.dbusValue))]
    }

    /// `Device.Diagnose()`: the diagnostic flow over what BlueZ and the watch say now.
    func diagnose(_ address: String) throws -> [DBusValue] {
        let (record, _, lastAdapter) = record(for: address)
        guard let record else { throw DaemonError(.unknownDevice, "no Sony device \(address)") }
        var facts = Diagnosis.Facts()
        facts.bluezAvailable = bluez.isAvailable
        let adapters = bluez.tree.adapters
        let adapter = (record.bluez?.adapter ?? lastAdapter).flatMap { adapters[$0] } ?? adapters.values.sorted { $0.id < $1.id }.first
        facts.adapterName = adapter?.id
        facts.adapterPowered = adapter?.powered ?? false
        facts.adapterUUIDs = adapter?.uuids ?? []
        if let device = record.bluez {
            facts.present = true
            facts.paired = device.paired
            facts.trusted = device.trusted
            facts.connected = device.connected
            facts.servicesResolved = device.servicesResolved
            facts.uuids = device.uuids
            facts.audioStream = device.hasAudioTransport
            facts.battery = device.battery.map(Int.init)
        }
        (facts.disconnectsLastHour, facts.health, facts.lastFinding) = watch.diagnosis(address)
        let diagnosis = Diagnosis(facts, about: subject(record), advisor: watch.advisor, policy: configuration.watch)
        return [
            .string(diagnosis.advice.step.rawValue), .string(diagnosis.advice.text),
            .array(.structure([.string, .string, .string]),
                   diagnosis.checks.map { .structure([.string($0.id), .string($0.result.rawValue), .string($0.detail)]) }),
        ]
    }

    func object(for address: String) -> ExportedObject? {
        state.withLock { $0.objects[address] }
    }

    func record(for address: String) -> (record: DeviceRecord?, twin: String?, lastAdapter: ObjectPath?) {
        state.withLock { ($0.records[address], $0.registry.twin(of: address), $0.adapters[address]) }
    }
}

extension Optional where Wrapped == SonyDaemon {
    /// A handler outliving its daemon answers instead of crashing.
    func orStopping() throws -> SonyDaemon {
        guard let self else { throw DaemonError(.failed, "the daemon is stopping") }
        return self
    }
}

extension String {
    func trimmingSpaces() -> String {
        // Nearly every query has nothing to trim: say so without walking Characters.
        if let first = utf8.first, let last = utf8.last, first > 0x20, last > 0x20, first < 0x80, last < 0x80 { return self }
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
