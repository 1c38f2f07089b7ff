import CDBus
import Locking
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Owns one libdbus connection and the thread that drives it.
///
/// Invariant that makes `@unchecked Sendable` sound: `raw` is read from and
/// dispatched only on the loop thread; other threads only *send* through it
/// (libdbus locks internally), and only while holding `state` with `closed`
/// false, so nobody touches it after the loop has released it.
/// Everything else here is behind a `Lock`.
final class EventLoop: @unchecked Sendable {
    let raw: OpaquePointer
    let io = Lock(IOState())
    let state = Lock(LoopState())
    let objects = ObjectServer()
    let jobs = Lock(JobQueue())
    /// A pipe whose read end sits in every `poll`; writing a byte wakes the loop.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let arrivals = Atomic<UInt64>(0)
    private let started = Atomic<Bool>(false)
    /// The loop thread's id, so that libdbus callbacks made on the loop thread
    /// itself do not wake it: it looks at its state again before sleeping anyway.
    private let loopThread = Atomic<UInt>(0)

    init(raw: OpaquePointer) throws(DBusError) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw DBusError(.failed, "cannot create the wake-up pipe: errno \(errno)") }
        for fd in ends {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        self.raw = raw
        self.wakeRead = ends[0]
        self.wakeWrite = ends[1]
        // The bus going away must end this connection, not the whole process.
        dbus_connection_set_exit_on_disconnect(raw, 0)
        LibDBusCallbacks.install(on: raw, loop: self)
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    func start() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // The thread keeps the loop alive until it has released the connection.
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            guard let arg else { return nil }
            let loop = Unmanaged<EventLoop>.fromOpaque(arg).takeRetainedValue()
            loop.run()
            return nil
        }, box.toOpaque())
        if rc == 0 {
            pthread_detach(thread)
        } else {
            box.release()
            shutDown(DBusError(.failed, "cannot start the D-Bus thread: error \(rc)"))
            release()
        }
    }

    /// Makes the loop thread leave `poll` and look at its state again.
    func wake() {
        if loopThread.load(ordering: .relaxed) == UInt(pthread_self()) { return }
        // A full pipe already guarantees a wake-up, so a failed write is fine.
        var one: UInt8 = 1
        _ = write(wakeWrite, &one, 1)
    }

    /// Asks the loop to close the connection; safe from any thread, idempotent.
    func requestClose() {
        let first = state.withLock { s -> Bool in
            guard s.closeReason == nil else { return false }
            s.closeReason = DBusError(.disconnected, "connection closed")
            return true
        }
        if first { wake() }
    }

    // MARK: - The loop thread

    private func run() {
        loopThread.store(UInt(pthread_self()), ordering: .relaxed)
        nameThread("dbus-connection")
        var fds: [pollfd] = []
        var watchIDs: [UInt] = []
        while true {
            if !drainIncoming() { break }
            runJobs()
            // Jobs may have queued messages that arrived meanwhile; look again.
            if !drainIncoming() { break }
            if state.withLock({ $0.closeReason != nil }) { break }

            fds.removeAll(keepingCapacity: true)
            watchIDs.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
            let ioDeadline = io.withLock { io -> UInt64 in
                for w in io.watches where w.enabled {
                    var events: Int16 = 0
                    if w.flags & CDBUS_WATCH_READABLE != 0 { events |= Int16(POLLIN) }
                    if w.flags & CDBUS_WATCH_WRITABLE != 0 { events |= Int16(POLLOUT) }
                    fds.append(pollfd(fd: w.fd, events: events, revents: 0))
                    watchIDs.append(w.id)
                }
                return io.nextTimeoutDeadline
            }
            let callDeadline = state.withLock { s -> UInt64 in
                let next = min(s.nextDeadline(), ioDeadline)
                s.scheduledWake = next
                return next
            }
            let timeout: Int32
            if hasJobs {
                timeout = 0
            } else if callDeadline == .max {
                timeout = -1
            } else {
                let now = MonotonicClock.now()
                // Round up so a wake-up never comes a little early and spins.
                timeout = callDeadline <= now ? 0 : Int32(clamping: (callDeadline - now + 999_999) / 1_000_000)
            }
            let n = poll(&fds, nfds_t(fds.count), timeout)
            if n < 0 && errno != EINTR { break }
            state.withLock { $0.scheduledWake = 0 }

            if fds[0].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 64)
                while read(wakeRead, &drain, drain.count) > 0 {}
            }
            for (index, id) in watchIDs.enumerated() {
                let revents = fds[index + 1].revents
                guard revents != 0 else { continue }
                var flags: UInt32 = 0
                if revents & Int16(POLLIN) != 0 { flags |= CDBUS_WATCH_READABLE }
                if revents & Int16(POLLOUT) != 0 { flags |= CDBUS_WATCH_WRITABLE }
                if revents & Int16(POLLERR) != 0 { flags |= CDBUS_WATCH_ERROR }
                if revents & Int16(POLLHUP) != 0 { flags |= CDBUS_WATCH_HANGUP }
                // Re-check under the lock: libdbus may have dropped the watch meanwhile.
                guard io.withLock({ $0.watches.contains { $0.id == id } }),
                      let watch = OpaquePointer(bitPattern: id) else { continue }
                dbus_watch_handle(watch, flags)
            }
            handleTimeouts()
        }
        teardown()
    }

    /// Names the thread so top -H, perf and the idle benchmark can tell it
    /// apart (pthread_setname_np is hidden behind _GNU_SOURCE from Swift).
    private func nameThread(_ name: String) {
        guard let file = fopen("/proc/thread-self/comm", "w") else { return }
        fputs(name, file)
        fclose(file)
    }

    private func handleTimeouts() {
        let now = MonotonicClock.now()
        let due = io.withLock { io -> [UInt] in
            var ids: [UInt] = []
            for i in io.timeouts.indices where io.timeouts[i].enabled && io.timeouts[i].deadline <= now {
                ids.append(io.timeouts[i].id)
                io.timeouts[i].deadline = now &+ io.timeouts[i].intervalNanoseconds
            }
            return ids
        }
        for id in due {
            guard io.withLock({ $0.timeouts.contains { $0.id == id } }),
                  let timeout = OpaquePointer(bitPattern: id) else { continue }
            dbus_timeout_handle(timeout)
        }
        let expired = state.withLock { $0.expire(now: now) }
        for call in expired {
            call.continuation.resume(throwing: DBusError(.noReply, "no reply within the call's timeout"))
        }
    }

    /// Routes every queued message; false once the connection is gone.
    private func drainIncoming() -> Bool {
        while let message = dbus_connection_pop_message(raw) {
            defer { dbus_message_unref(message) }
            if dbus_message_is_signal(message, "org.freedesktop.DBus.Local", "Disconnected") != 0 {
                shutDown(DBusError(.disconnected, "the bus closed the connection"))
                return false
            }
            route(message)
        }
        return dbus_connection_get_is_connected(raw) != 0 || {
            shutDown(DBusError(.disconnected, "the bus closed the connection"))
            return false
        }()
    }

    private func route(_ raw: OpaquePointer) {
        let arrival = arrivals.add(1, ordering: .relaxed).newValue
        var message: Message
        do {
            message = try Unmarshal.message(raw)
            message.sequence = arrival
        } catch {
            // libdbus validated the bytes, so this is a body we cannot model;
            // a caller still deserves an answer rather than a hang.
            if dbus_message_get_type(raw) == CDBUS_MESSAGE_TYPE_METHOD_CALL, dbus_message_get_no_reply(raw) == 0 {
                var header = Message(kind: .methodCall)
                header.serial = dbus_message_get_serial(raw)
                header.sender = dbus_message_get_sender(raw).map { BusName(unchecked: String(cString: $0)) }
                try? sendFromLoop(.error(to: header, error.dbusError))
            }
            return
        }
        switch message.kind {
        case .methodReturn, .error:
            guard let serial = message.replySerial else { return }
            let call = state.withLock { $0.pending.removeValue(forKey: serial) }
            guard let call else { return }
            if let error = message.error {
                call.continuation.resume(throwing: error)
            } else {
                call.continuation.resume(returning: message)
            }
        case .signal:
            deliver(message, arrival: arrival)
        case .methodCall:
            objects.dispatch(message, loop: self)
        }
    }

    private func deliver(_ signal: Message, arrival: UInt64) {
        let targets = state.withLock { s -> [LoopState.Subscription.Sink] in
            if signal.sender == .bus, signal.interface == .bus, signal.member == "NameOwnerChanged" {
                noteOwnerChange(signal, arrival: arrival, in: &s)
            }
            var out: [LoopState.Subscription.Sink] = []
            for subscription in s.subscriptions.values
            where subscription.rule.matches(signal, owner: { s.trackedNames[$0]?.owner }) {
                out.append(subscription.sink)
            }
            return out
        }
        for target in targets { target.deliver(signal) }
    }

    private func noteOwnerChange(_ signal: Message, arrival: UInt64, in s: inout LoopState) {
        guard signal.body.count == 3,
              case .string(let name) = signal.body[0],
              case .string(let newOwner) = signal.body[2] else { return }
        let key = BusName(unchecked: name)
        guard var tracked = s.trackedNames[key] else { return }
        let owner = newOwner.isEmpty ? nil : BusName(unchecked: newOwner)
        let changed = !tracked.known || tracked.owner != owner
        tracked.owner = owner
        tracked.known = true
        tracked.lastChange = arrival
        s.trackedNames[key] = tracked
        if changed { for watcher in tracked.watchers.values { watcher.yield(owner) } }
    }

    /// Sends from the loop thread itself, which alone may release `raw`.
    func sendFromLoop(_ message: Message) throws(DBusError) {
        let out = try Marshal.makeMessage(message)
        defer { dbus_message_unref(out) }
        guard dbus_connection_send(raw, out, nil) != 0 else { throw DBusError(.noMemory, "out of memory while sending") }
    }

    /// Ends everything that waits on this connection with `reason`.
    private func shutDown(_ reason: DBusError) {
        let s = state.withLock { s -> LoopState in
            if s.closeReason == nil { s.closeReason = reason }
            s.closed = true
            let snapshot = s
            s.pending = [:]
            s.subscriptions = [:]
            s.trackedNames = [:]
            s.disconnectWaiters = [:]
            return snapshot
        }
        let error = s.closeReason ?? reason
        for call in s.pending.values { call.continuation.resume(throwing: error) }
        for subscription in s.subscriptions.values { subscription.sink.end(error) }
        for tracked in s.trackedNames.values {
            for watcher in tracked.watchers.values {
                // Whoever owned the name is unreachable now.
                if tracked.owner != nil { watcher.yield(nil) }
                watcher.finish(throwing: error)
            }
        }
        for waiter in s.disconnectWaiters.values { waiter.resume() }
    }

    private func teardown() {
        // Flush before anyone waiting for the close is released: a process that
        // exits right after `waitUntilDisconnected` must not lose queued messages.
        if dbus_connection_get_is_connected(raw) != 0 { dbus_connection_flush(raw) }
        shutDown(state.withLock { $0.closeReason } ?? DBusError(.disconnected, "connection closed"))
        runJobs()
        closeJobs()
        dbus_connection_close(raw)
        LibDBusCallbacks.uninstall(from: raw)
        objects.removeAll()
        release()
    }

    private func release() {
        dbus_connection_unref(raw)
    }
}
