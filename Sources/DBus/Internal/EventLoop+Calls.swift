import CDBus
import Locking

extension EventLoop {
    /// Sends `message` and waits for its reply, its deadline, or cancellation.
    ///
    /// The send happens on the caller's thread (libdbus writes at once when it
    /// can) while `state` is held, so the reply cannot be routed before its
    /// waiter is registered; the loop thread is only woken when this call's
    /// deadline is earlier than the one it already sleeps towards.
    func call(_ message: Message, timeout: Duration) async throws -> Message {
        let out = try Marshal.makeMessage(message)
        defer { dbus_message_unref(out) }
        if WireValidation.containsUnixFD(message.body), dbus_connection_can_send_type(raw, CDBUS_TYPE_UNIX_FD) == 0 {
            throw DBusError(.notSupported, "this connection cannot pass file descriptors")
        }
        let deadline = MonotonicClock.deadline(after: timeout)
        let progress = Lock(CallProgress.notSent)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Message, any Error>) in
                enum Outcome { case sent(wake: Bool), failed(any Error) }
                let outcome = state.withLock { s -> Outcome in
                    if let reason = s.closeReason { return .failed(reason) }
                    guard progress.withLock({ $0 }) != .cancelled else { return .failed(CancellationError()) }
                    var serial: UInt32 = 0
                    guard dbus_connection_send(raw, out, &serial) != 0 else {
                        return .failed(DBusError(.noMemory, "out of memory while sending"))
                    }
                    s.register(serial, continuation, deadline: deadline)
                    progress.withLock { $0 = .sent(serial) }
                    return .sent(wake: deadline < s.scheduledWake)
                }
                switch outcome {
                case .failed(let error): continuation.resume(throwing: error)
                case .sent(let wake): if wake { self.wake() }
                }
            }
        } onCancel: {
            let serial = progress.withLock { p -> UInt32? in
                if case .sent(let serial) = p { return serial }
                p = .cancelled
                return nil
            }
            guard let serial else { return }
            // libdbus sends nothing back for an abandoned call, so we resume it here.
            let call = state.withLock { $0.pending.removeValue(forKey: serial) }
            call?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Sends without waiting for anything: signals, replies, no-reply calls.
    func send(_ message: Message) throws(DBusError) {
        let out = try Marshal.makeMessage(message)
        defer { dbus_message_unref(out) }
        let error = state.withLock { s -> DBusError? in
            if let reason = s.closeReason { return reason }
            return dbus_connection_send(raw, out, nil) != 0 ? nil : DBusError(.noMemory, "out of memory while sending")
        }
        if let error { throw error }
    }

    /// Calls a method of the bus daemon itself.
    func callBus(_ member: MemberName, _ body: [DBusValue], timeout: Duration = .seconds(25)) async throws -> Message {
        try await call(
            .methodCall(destination: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: member, body: body),
            timeout: timeout)
    }
}

/// Where a call is between the caller and the bus, for racing cancellation.
enum CallProgress: Equatable, Sendable {
    case notSent, cancelled, sent(UInt32)
}
