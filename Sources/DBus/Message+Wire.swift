import CDBus

extension Message {
    /// The message in D-Bus wire format, as libdbus would send it.
    public func wireBytes() throws(DBusError) -> [UInt8] {
        let raw = try Marshal.makeMessage(self)
        defer { dbus_message_unref(raw) }
        // A message on the wire always has a serial; 0 is invalid.
        dbus_message_set_serial(raw, serial == 0 ? 1 : serial)
        var buffer: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        guard dbus_message_marshal(raw, &buffer, &length) != 0, let buffer else {
            throw DBusError(.noMemory, "out of memory while marshalling")
        }
        defer { dbus_free(buffer) }
        return UnsafeRawBufferPointer(start: buffer, count: Int(length)).map { $0 }
    }

    /// Parses untrusted wire bytes: libdbus validates the framing and the
    /// body's encoding, then the body is decoded as any incoming message is.
    public init(wireBytes: [UInt8]) throws(DBusError) {
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        defer { dbus_error_free(&error) }
        let raw = wireBytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { dbus_message_demarshal($0.baseAddress, Int32(clamping: $0.count), &error) }
        }
        guard let raw else {
            let text = dbus_error_is_set(&error) != 0 ? error.message.map { String(cString: $0) } ?? "" : ""
            throw DBusError(.invalidArgs, "not a valid D-Bus message: \(text)")
        }
        defer { dbus_message_unref(raw) }
        do {
            self = try Unmarshal.message(raw)
        } catch {
            throw error.dbusError
        }
    }
}
