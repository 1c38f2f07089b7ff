public import DBus
import Locking

/// A live mirror of BlueZ's object tree and typed operations on it.
///
/// One `GetManagedObjects` plus two match rules scoped by sender and
/// `path_namespace` keep the mirror current, however many devices there are.
/// Signals are believed only from the current owner of `org.bluez`. When
/// bluetoothd leaves, the mirror empties and calls fail with
/// `bluezUnavailable`; when it returns, the mirror resyncs and every
/// registration hook (the agent, for one) runs again.
public final class BlueZClient: Sendable {
    public let connection: Connection
    private let state = Lock(State())
    /// How long to wait for bluetoothd's `GetManagedObjects`: a hung bluetoothd
    /// must not hang us (fwupd learned the same).
    public let syncTimeout: Duration

    struct State {
        var tree = ObjectTree()
        var owner: BusName?
        var available = false
        /// While a `GetManagedObjects` is out, signals wait here and those that
        /// arrived after its answer are applied on top of it.
        var syncing = false
        var buffer: [Message] = []
        var subscribers: [UInt64: Subscriber] = [:]
        var hooks: [UInt64: @Sendable () async -> Void] = [:]
        var nextID: UInt64 = 1

        /// Counts what each subscriber will be given, in the same step that changes the tree.
        mutating func counted(_ events: [BlueZEvent]) -> [BlueZEvent] {
            for (id, subscriber) in subscribers {
                subscribers[id]?.produced += UInt64(events.count(where: subscriber.wants))
            }
            return events
        }

        mutating func takeID() -> UInt64 {
            defer { nextID += 1 }
            return nextID
        }
    }

    /// Opens once the mirror has had its first look at the bus: synced, found bluetoothd
    /// absent, or given up on an unusable answer.
    private let looked = Latch()

    public init(connection: Connection, syncTimeout: Duration = .seconds(10)) {
        self.connection = connection
        self.syncTimeout = syncTimeout
    }

    // MARK: - Reading the mirror

    public var tree: ObjectTree { state.withLock { $0.tree } }
    public var isAvailable: Bool { state.withLock { $0.available } }
    /// The unique name bluetoothd has now, if it is on the bus.
    public var owner: BusName? { state.withLock { $0.owner } }

    /// Whether the bluetoothd the mirror follows still owns `org.bluez`, asked of
    /// the bus itself. A call to a bluetoothd that dies answers with the bus's
    /// `NoReply`, which may come before the mirror has heard it leave; the bus
    /// knows already. True when the bus cannot be asked: nothing is claimed then.
    public func stillFollowed() async -> Bool {
        guard let followed = owner else { return false }
        do {
            return try await connection.nameOwner(BlueZPaths.service) == followed
        } catch {
            return true
        }
    }

    /// Every event from now on; the stream ends when the iterating task stops.
    public func events() -> AsyncStream<BlueZEvent> {
        events(ignoringChangesTo: []).events
    }

    /// Every event from now on but a device change that touches only `ignored`
    /// properties (`RSSI` during discovery, adverts' `ManufacturerData`): the mirror
    /// takes those in on the connection's thread and wakes nobody for them.
    /// `produced()` counts what the stream has been given so far, in the same step
    /// that changed the tree: a consumer that counts what it handled can tell it has
    /// caught up with everything the mirror already shows.
    public func events(ignoringChangesTo ignored: Set<String>) -> (events: AsyncStream<BlueZEvent>, produced: @Sendable () -> UInt64) {
        let (stream, continuation) = AsyncStream<BlueZEvent>.makeStream()
        let id = state.withLock { s in
            let id = s.takeID()
            s.subscribers[id] = Subscriber(continuation: continuation, ignored: ignored)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return (stream, { [weak self] in self?.state.withLock { $0.subscribers[id]?.produced } ?? 0 })
    }

    struct Subscriber {
        let continuation: AsyncStream<BlueZEvent>.Continuation
        let ignored: Set<String>
        var produced: UInt64 = 0

        func wants(_ event: BlueZEvent) -> Bool {
            guard case .deviceChanged(_, let changed) = event, !ignored.isEmpty, !changed.isEmpty else { return true }
            return !changed.isSubset(of: ignored)
        }
    }

    /// Runs `hook` now if bluetoothd is there, and again every time it returns.
    public func whenAvailable(_ hook: @escaping @Sendable () async -> Void) async {
        let available = state.withLock { s in
            s.hooks[s.takeID()] = hook
            return s.available
        }
        if available { await hook() }
    }

    // MARK: - Running

    /// Follows bluetoothd until the task is cancelled or the bus goes away.
    public func run() async throws {
        let rules = [
            MatchRule(sender: BlueZPaths.service, path: .root, interface: .objectManager),
            MatchRule(sender: BlueZPaths.service, pathNamespace: BlueZPaths.root),
        ]
        var subscriptions: [SignalSubscription] = []
        defer {
            for s in subscriptions { s.cancel() }
            looked.open()
        }
        for rule in rules {
            subscriptions.append(try await connection.onSignals(matching: rule) { [weak self] signal in
                self?.receive(signal)
            })
        }
        for try await owner in try await connection.nameOwnerChanges(BlueZPaths.service) {
            state.withLock { $0.owner = owner }
            if owner == nil {
                publish(state.withLock { s -> [BlueZEvent] in
                    let wasAvailable = s.available
                    s.available = false
                    s.syncing = false
                    s.buffer = []
                    return s.counted(s.tree.clear() + (wasAvailable ? [.unavailable] : []))
                })
            } else {
                await sync()
            }
            looked.open()
        }
    }

    /// Returns once the mirror has had its first look: it holds bluetoothd's tree, or
    /// knows that bluetoothd is not there. A service asks for its name after this, so
    /// that its first caller sees the devices.
    public func firstLook() async {
        await looked.wait()
    }

    private func sync() async {
        state.withLock { s in
            s.syncing = true
            s.buffer = []
        }
        do {
            let reply = try await connection.call(
                .methodCall(destination: BlueZPaths.service, path: .root, interface: .objectManager, member: "GetManagedObjects"),
                timeout: syncTimeout)
            guard reply.signature == "a{oa{sa{sv}}}", let objects = reply.body.first else {
                throw BlueZError(.other, message: "GetManagedObjects answered \"\(reply.signature)\"")
            }
            let (events, hooks) = state.withLock { s -> ([BlueZEvent], [@Sendable () async -> Void]) in
                var events = s.tree.reset(managedObjects: objects)
                for signal in s.buffer where signal.sequence > reply.sequence {
                    events += Self.apply(signal, to: &s.tree)
                }
                s.buffer = []
                s.syncing = false
                s.available = true
                return (s.counted(events + [.available]), Array(s.hooks.values))
            }
            publish(events)
            for hook in hooks { await hook() }
        } catch {
            // bluetoothd answered nothing usable; the next owner change retries.
            state.withLock { s in
                s.syncing = false
                s.buffer = []
            }
        }
    }

    /// Runs on the connection's thread for every BlueZ signal.
    private func receive(_ signal: Message) {
        let events = state.withLock { s -> [BlueZEvent] in
            if s.syncing {
                s.buffer.append(signal)
                return []
            }
            guard s.available else { return [] }
            return s.counted(Self.apply(signal, to: &s.tree))
        }
        publish(events)
    }

    /// Applies one signal; a body of the wrong shape is ignored, never trusted.
    static func apply(_ signal: Message, to tree: inout ObjectTree) -> [BlueZEvent] {
        guard let path = signal.path, let member = signal.member else { return [] }
        switch (signal.interface, member.rawValue) {
        case (InterfaceName.objectManager?, "InterfacesAdded"):
            guard let (object, interfaces) = try? signal.decode(ObjectPath.self, [String: [String: Variant]].self) else { return [] }
            return tree.interfacesAdded(object, interfaces)
        case (InterfaceName.objectManager?, "InterfacesRemoved"):
            guard let (object, interfaces) = try? signal.decode(ObjectPath.self, [String].self) else { return [] }
            return tree.interfacesRemoved(object, interfaces)
        case (InterfaceName.properties?, "PropertiesChanged"):
            guard signal.signature == "sa{sv}as", signal.body.count == 3, case .string(let interface) = signal.body[0],
                  let entries = signal.body[1].stringKeyedEntries, let invalidated = try? [String](dbusValue: signal.body[2]) else {
                return []
            }
            return tree.propertiesChanged(path, interface: interface, entries: entries, invalidated: invalidated)
        case (BlueZPaths.deviceInterface?, "Disconnected"):
            guard let (reason, message) = try? signal.decode(String.self, String.self) else { return [] }
            return tree.disconnected(path, reason: reason, message: message)
        default:
            return []
        }
    }

    private func publish(_ events: [BlueZEvent]) {
        guard !events.isEmpty else { return }
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers {
            for event in events where subscriber.wants(event) { subscriber.continuation.yield(event) }
        }
    }
}
