import CDBus

/// Builds libdbus messages from `Message` values.
///
/// Everything is validated before the first libdbus call, so the only failure
/// left inside libdbus is running out of memory.
enum Marshal {
    /// A new libdbus message the caller must unref.
    static func makeMessage(_ message: Message) throws(DBusError) -> OpaquePointer {
        try WireValidation.validate(message.body)
        guard let raw = try makeHeader(message) else { throw DBusError(.noMemory, "out of memory") }
        var iter = DBusMessageIter()
        dbus_message_iter_init_append(raw, &iter)
        for value in message.body where !append(value, to: &iter) {
            dbus_message_unref(raw)
            throw DBusError(.noMemory, "out of memory while building message")
        }
        if message.noReplyExpected { dbus_message_set_no_reply(raw, 1) }
        return raw
    }

    private static func makeHeader(_ message: Message) throws(DBusError) -> OpaquePointer? {
        switch message.kind {
        case .methodCall:
            guard let path = message.path, let member = message.member else {
                throw DBusError(.invalidArgs, "a method call needs a path and a member")
            }
            return withOptionalCString(message.destination?.rawValue) { dest in
                withOptionalCString(message.interface?.rawValue) { iface in
                    dbus_message_new_method_call(dest, path.rawValue, iface, member.rawValue)
                }
            }
        case .signal:
            guard let path = message.path, let interface = message.interface, let member = message.member else {
                throw DBusError(.invalidArgs, "a signal needs a path, an interface and a member")
            }
            let raw = dbus_message_new_signal(path.rawValue, interface.rawValue, member.rawValue)
            if let raw, let destination = message.destination {
                dbus_message_set_destination(raw, destination.rawValue)
            }
            return raw
        case .methodReturn, .error:
            guard let replySerial = message.replySerial else {
                throw DBusError(.invalidArgs, "a reply needs the serial of its call")
            }
            let type = message.kind == .error ? CDBUS_MESSAGE_TYPE_ERROR : CDBUS_MESSAGE_TYPE_METHOD_RETURN
            guard let raw = dbus_message_new(type) else { return nil }
            if message.kind == .error {
                dbus_message_set_error_name(raw, (message.errorName ?? .failed).rawValue)
            }
            dbus_message_set_reply_serial(raw, replySerial)
            if let destination = message.destination {
                dbus_message_set_destination(raw, destination.rawValue)
            }
            dbus_message_set_no_reply(raw, 1)
            return raw
        }
    }

    /// Appends one validated value; false only when libdbus ran out of memory.
    private static func append(_ value: DBusValue, to iter: inout DBusMessageIter) -> Bool {
        switch value {
        case .byte(var v): return dbus_message_iter_append_basic(&iter, CDBUS_TYPE_BYTE, &v) != 0
        case .boolean(let b):
            var v: dbus_bool_t = b ? 1 : 0
            return dbus_message_iter_append_basic(&iter, CDBUS_TYPE_BOOLEAN, &v) != 0
        case .int16(var v): return dbus_message_iter_append_basic(&iter, CDBUS_TYPE_INT16, &v) != 0
        case .uint16(var v): return dbus_message_iter_append_basic(&iter, CDBUS_TYPE_UINT16, &v) != 0
        case .int32(var v): return dbus_message_iter_append_basic(&iter, CDBUS_TYPE_INT32, &v) != 0
        case .uint32(var v): return dbus_message_iter_append_basic(&iter, CDBUS_TYPE_UINT32, &v) != 0
        case .int64(var v): return dbus_message_iter_append_basic(&iter, CDBUS_TYPE_INT64, &v) != 0
        case .uint64(var v): return dbus_message_iter_append_basic(&iter, CDBUS_TYPE_UINT64, &v) != 0
        case .double(var v): return dbus_message_iter_append_basic(&iter, CDBUS_TYPE_DOUBLE, &v) != 0
        case .string(let s): return appendString(s, CDBUS_TYPE_STRING, &iter)
        case .objectPath(let p): return appendString(p.rawValue, CDBUS_TYPE_OBJECT_PATH, &iter)
        case .signature(let g): return appendString(g.rawValue, CDBUS_TYPE_SIGNATURE, &iter)
        case .unixFD(let fd):
            var v = fd.rawValue
            return dbus_message_iter_append_basic(&iter, CDBUS_TYPE_UNIX_FD, &v) != 0
        case .array(let element, let items):
            if element == .byte { return appendBytes(items, &iter) }
            return container(CDBUS_TYPE_ARRAY, element.code, &iter) { sub in
                items.allSatisfy { append($0, to: &sub) }
            }
        case .dictionary(let key, let valueType, let entries):
            return container(CDBUS_TYPE_ARRAY, "{" + key.code + valueType.code + "}", &iter) { sub in
                entries.allSatisfy { entry in
                    container(CDBUS_TYPE_DICT_ENTRY, nil, &sub) { e in
                        append(entry.key, to: &e) && append(entry.value, to: &e)
                    }
                }
            }
        case .structure(let fields):
            return container(CDBUS_TYPE_STRUCT, nil, &iter) { sub in fields.allSatisfy { append($0, to: &sub) } }
        case .variant(let inner):
            return container(CDBUS_TYPE_VARIANT, inner.type.code, &iter) { sub in append(inner, to: &sub) }
        }
    }

    private static func appendString(_ s: String, _ type: Int32, _ iter: inout DBusMessageIter) -> Bool {
        s.withCString { p in
            var ptr: UnsafePointer<CChar>? = p
            return dbus_message_iter_append_basic(&iter, type, &ptr) != 0
        }
    }

    private static func appendBytes(_ items: [DBusValue], _ iter: inout DBusMessageIter) -> Bool {
        let bytes: [UInt8] = items.map { if case .byte(let b) = $0 { b } else { 0 } }
        return container(CDBUS_TYPE_ARRAY, "y", &iter) { sub in
            bytes.withUnsafeBufferPointer { buffer in
                var base = buffer.baseAddress
                return dbus_message_iter_append_fixed_array(&sub, CDBUS_TYPE_BYTE, &base, Int32(buffer.count)) != 0
            }
        }
    }

    private static func container(
        _ type: Int32, _ signature: String?, _ iter: inout DBusMessageIter,
        _ body: (inout DBusMessageIter) -> Bool
    ) -> Bool {
        var sub = DBusMessageIter()
        let opened = withOptionalCString(signature) { dbus_message_iter_open_container(&iter, type, $0, &sub) != 0 }
        guard opened else { return false }
        guard body(&sub) else {
            dbus_message_iter_abandon_container(&iter, &sub)
            return false
        }
        return dbus_message_iter_close_container(&iter, &sub) != 0
    }
}

func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString(body)
}
