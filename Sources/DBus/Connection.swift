import CDBus
import Locking

/// A connection to a message bus.
///
/// One thread per connection drives libdbus through its watches and timeouts
/// (no polling: at rest the thread sleeps in `poll` with no timeout); calls are
/// `async`, signals are `AsyncSequence`s, exported objects are answered on that
/// thread. Closing, or the bus going away, ends every pending call and stream
/// with `org.freedesktop.DBus.Error.Disconnected`.
public final class Connection: Sendable {
    let loop: EventLoop
    /// Our unique name on the bus, e.g. `:1.42`.
    public let uniqueName: BusName

    /// The default timeout of a call, as libdbus's own default.
    public static let defaultTimeout: Duration = .seconds(25)

    /// The system bus; `DBUS_SYSTEM_BUS_ADDRESS` overrides where it is.
    public static func system() throws(DBusError) -> Connection {
        try Connection(bus: DBUS_BUS_SYSTEM)
    }

    /// The session bus of `DBUS_SESSION_BUS_ADDRESS`.
    public static func session() throws(DBusError) -> Connection {
        try Connection(bus: DBUS_BUS_SESSION)
    }

    /// A bus at an explicit address such as `unix:path=/run/dbus/system_bus_socket`.
    public convenience init(address: String) throws(DBusError) {
        try self.init(raw: RawConnection.open(address: address))
    }

    private convenience init(bus: DBusBusType) throws(DBusError) {
        try self.init(raw: RawConnection.open(bus: bus))
    }

    private init(raw: OpaquePointer) throws(DBusError) {
        guard let unique = dbus_bus_get_unique_name(raw) else {
            RawConnection.release(raw)
            throw DBusError(.failed, "the bus gave no unique name")
        }
        uniqueName = BusName(unchecked: String(cString: unique))
        do {
            loop = try EventLoop(raw: raw)
        } catch {
            RawConnection.release(raw)
            throw error
        }
        loop.start()
    }

    deinit { loop.requestClose() }


    /// Closes the connection; pending calls and streams end as disconnected.
    public func close() { loop.requestClose() }

    /// Returns once the connection is closed or the bus has gone away, or the
    /// waiting task is cancelled.
    public func waitUntilDisconnected() async {
        // Also returns when the waiting task is cancelled: a service shutting
        // down must not hang on a bus that is still there.
        let id = loop.state.withLock { $0.takeID() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = loop.state.withLock { s -> Bool in
                    if s.closed || Task.isCancelled { return true }
                    s.disconnectWaiters[id] = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            loop.state.withLock { $0.disconnectWaiters.removeValue(forKey: id) }?.resume()
        }
    }

    public var isConnected: Bool { loop.state.withLock { !$0.closed } }

    /// The connection's own thread as a task executor. Code run with
    /// `withTaskExecutorPreference(connection.executor) { … }` is resumed right
    /// where replies and signals arrive, saving a thread hop per message; it
    /// must not block. After the connection ends, such tasks move to the
    /// global executor.
    public var executor: any TaskExecutor { loop }

    // MARK: - Calls

    /// Sends a method call and returns its reply; an error reply throws `DBusError`.
    public func call(_ message: Message, timeout: Duration = defaultTimeout) async throws -> Message {
        try await loop.call(message, timeout: timeout)
    }

    public func call(
        destination: BusName, path: ObjectPath, interface: InterfaceName, member: MemberName,
        _ body: [DBusValue] = [], timeout: Duration = defaultTimeout
    ) async throws -> Message {
        try await loop.call(
            .methodCall(destination: destination, path: path, interface: interface, member: member, body: body),
            timeout: timeout)
    }

    /// Sends a message without waiting for an answer (signals, no-reply calls).
    public func send(_ message: Message) throws(DBusError) {
        try loop.send(message)
    }

    // MARK: - Signals

    /// The signals that match `rule`, from the moment this returns.
    ///
    /// The rule is installed on the bus before returning; ending the iteration
    /// (or cancelling its task) removes it. A well-known `sender` is resolved to
    /// its current owner, so a signal from anyone else is never delivered.
    public func signals(matching rule: MatchRule) async throws -> AsyncThrowingStream<Message, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Message, any Error>.makeStream()
        let cancel = try await subscribe(rule, sink: .stream(continuation))
        continuation.onTermination = { _ in cancel() }
        return stream
    }

    /// Calls `handler` for each signal matching `rule`, on the connection's own
    /// thread, until the returned subscription is cancelled.
    ///
    /// For high-rate consumers (a mirror of BlueZ during discovery): no task is
    /// woken per signal. The handler must be quick and must not block; it sees
    /// signals in arrival order. `ended` is called if the connection goes away.
    public func onSignals(
        matching rule: MatchRule, ended: @escaping @Sendable (DBusError) -> Void = { _ in },
        _ handler: @escaping @Sendable (Message) -> Void
    ) async throws -> SignalSubscription {
        SignalSubscription(cancel: try await subscribe(rule, sink: .handler(handler, ended: ended)))
    }

    /// Installs `rule` on the bus and registers `sink`; returns what undoes both.
    private func subscribe(_ rule: MatchRule, sink: LoopState.Subscription.Sink) async throws -> @Sendable () -> Void {
        let tracked = rule.sender.flatMap { $0.isUnique || $0 == .bus ? nil : $0 }
        if let tracked { try await loop.track(tracked) }
        do {
            _ = try await loop.callBus("AddMatch", [.string(rule.text)])
        } catch {
            if let tracked { loop.untrack(tracked) }
            throw error
        }
        let loop = self.loop
        let id = loop.state.withLock { s -> UInt64? in
            guard !s.closed else { return nil }
            let id = s.takeID()
            s.subscriptions[id] = LoopState.Subscription(rule: rule, sink: sink)
            return id
        }
        guard let id else {
            sink.end(DBusError(.disconnected, "connection closed"))
            return {}
        }
        return {
            let removed = loop.state.withLock { $0.subscriptions.removeValue(forKey: id) != nil }
            guard removed else { return }
            loop.removeMatch(rule)
            if let tracked { loop.untrack(tracked) }
        }
    }

    // MARK: - Names

    public enum RequestNameReply: UInt32, Sendable {
        case primaryOwner = 1, inQueue, exists, alreadyOwner
    }

    public struct RequestNameFlags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let allowReplacement = RequestNameFlags(rawValue: 1)
        public static let replaceExisting = RequestNameFlags(rawValue: 2)
        public static let doNotQueue = RequestNameFlags(rawValue: 4)
    }

    public func requestName(_ name: BusName, flags: RequestNameFlags = .doNotQueue) async throws -> RequestNameReply {
        let reply = try await loop.callBus("RequestName", [.string(name.rawValue), .uint32(flags.rawValue)])
        let code = try reply.decode(UInt32.self)
        guard let result = RequestNameReply(rawValue: code) else {
            throw DBusError(.failed, "RequestName answered an unknown code \(code)")
        }
        return result
    }

    /// Gives up `name`; true if we owned it.
    @discardableResult
    public func releaseName(_ name: BusName) async throws -> Bool {
        let reply = try await loop.callBus("ReleaseName", [.string(name.rawValue)])
        return try reply.decode(UInt32.self) == 1
    }

    /// The unique name owning `name` now, or nil.
    public func nameOwner(_ name: BusName) async throws -> BusName? {
        do {
            let reply = try await loop.callBus("GetNameOwner", [.string(name.rawValue)])
            return BusName(unchecked: try reply.decode(String.self))
        } catch let error as DBusError where error.name == .nameHasNoOwner {
            return nil
        }
    }

    /// The owner of `name` now and after every change: nil while nobody owns it.
    ///
    /// If the bus itself goes away, the stream yields nil (nobody can be reached
    /// any more) and then ends with a `Disconnected` error.
    public func nameOwnerChanges(_ name: BusName) async throws -> AsyncThrowingStream<BusName?, any Error> {
        try await loop.track(name)
        let (stream, continuation) = AsyncThrowingStream<BusName?, any Error>.makeStream()
        let loop = self.loop
        let id = loop.state.withLock { s -> UInt64? in
            guard !s.closed, var tracked = s.trackedNames[name] else { return nil }
            let id = s.takeID()
            tracked.watchers[id] = continuation
            s.trackedNames[name] = tracked
            if tracked.known { continuation.yield(tracked.owner) }
            return id
        }
        guard let id else {
            continuation.finish(throwing: DBusError(.disconnected, "connection closed"))
            return stream
        }
        continuation.onTermination = { _ in
            loop.state.withLock { _ = $0.trackedNames[name]?.watchers.removeValue(forKey: id) }
            loop.untrack(name)
        }
        return stream
    }

    /// The uid of the process behind a bus name, as the bus daemon knows it.
    public func unixUser(of name: BusName) async throws -> UInt32 {
        try await Self.unixUser(of: name, via: loop)
    }

    static func unixUser(of name: BusName, via loop: EventLoop) async throws -> UInt32 {
        try await loop.callBus("GetConnectionUnixUser", [.string(name.rawValue)]).decode(UInt32.self)
    }

    // MARK: - Exporting

    /// Serves `object` at its path; fails if something is already there.
    public func export(_ object: ExportedObject) throws(DBusError) {
        try loop.objects.export(object, loop: loop)
    }

    /// Stops serving the object at `path`, announcing its removal to its manager.
    public func unexport(_ path: ObjectPath) {
        loop.objects.unexport(path)
    }

    /// Cancels the method handlers still running and returns once each has answered
    /// (a cancelled one with the error it chooses, else `Failed`): what a service does
    /// before it leaves the bus, so no caller is left with `NoReply`. Calls that
    /// arrive meanwhile are not waited for.
    public func finishCalls() async {
        await loop.objects.finishCalls()
    }
}
