internal import CDBus

/// A connection for a one-shot client, such as a command-line tool asking one
/// question: calls block the calling thread, and there is no connection thread,
/// no task and no event loop. Starting those costs a short-lived process more
/// time and memory than its whole round trip (BENCHMARKS.md, `sonyctl list`).
///
/// Not `Sendable`: it belongs to the thread that made it. Everything sent is
/// validated like `Connection`'s; every reply is decoded the same way, and an
/// error reply is a `DBusError`. Signals and exported objects need `Connection`.
public final class BlockingConnection {
    private let raw: OpaquePointer

    /// The system bus (`DBUS_SYSTEM_BUS_ADDRESS` when set).
    public static func system() throws(DBusError) -> BlockingConnection {
        try BlockingConnection(raw: RawConnection.open(bus: DBUS_BUS_SYSTEM))
    }

    public convenience init(address: String) throws(DBusError) {
        try self.init(raw: RawConnection.open(address: address))
    }

    private init(raw: OpaquePointer) {
        self.raw = raw
        // A tool's bus going away is an error to report, not a reason for libdbus to exit().
        dbus_connection_set_exit_on_disconnect(raw, 0)
    }

    deinit { RawConnection.release(raw) }

    /// Sends every call, then waits for each answer: several questions cost one
    /// round trip. Throws the first error any of them came back with.
    ///
    /// Plain arrays of pointers and messages, no `Result`s: each generic type a
    /// one-shot tool instantiates at run time costs it a scan of every conformance.
    public func call(_ messages: [Message], timeout: Duration = Connection.defaultTimeout) throws(DBusError) -> [Message] {
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        var pending: [OpaquePointer] = []
        defer { pending.forEach { dbus_pending_call_unref($0) } }
        for message in messages {
            let out = try Marshal.makeMessage(message)
            defer { dbus_message_unref(out) }
            var call: OpaquePointer?
            guard dbus_connection_send_with_reply(raw, out, &call, max(milliseconds, 1)) != 0, let call else {
                throw DBusError(.disconnected, "the bus connection is closed")
            }
            pending.append(call)
        }
        var replies: [Message] = []
        for call in pending { replies.append(try Self.answer(call)) }
        return replies
    }

    public func call(_ message: Message, timeout: Duration = Connection.defaultTimeout) throws(DBusError) -> Message {
        try call([message], timeout: timeout)[0]
    }

    /// Waits for one pending call and decodes what came back.
    private static func answer(_ pending: OpaquePointer) throws(DBusError) -> Message {
        dbus_pending_call_block(pending)
        guard let reply = dbus_pending_call_steal_reply(pending) else { throw DBusError(.noReply, "no reply") }
        defer { dbus_message_unref(reply) }
        let message: Message
        do {
            message = try Unmarshal.message(reply)
        } catch {
            throw DBusError(.invalidArgs, "a reply of the wrong shape: \(error)")
        }
        if let error = message.error { throw error }
        return message
    }
}
