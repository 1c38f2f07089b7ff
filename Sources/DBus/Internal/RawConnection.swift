internal import CDBus

/// Opening and closing a libdbus connection, shared by `Connection` and
/// `BlockingConnection`; libdbus's errors become `DBusError`s.
enum RawConnection {
    static func open(address: String) throws(DBusError) -> OpaquePointer {
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        defer { dbus_error_free(&error) }
        guard let raw = dbus_connection_open_private(address, &error) else {
            throw convert(&error, fallback: "cannot connect to \(address)")
        }
        guard dbus_bus_register(raw, &error) != 0 else {
            release(raw)
            throw convert(&error, fallback: "cannot register with the bus at \(address)")
        }
        return raw
    }

    static func open(bus: DBusBusType) throws(DBusError) -> OpaquePointer {
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        defer { dbus_error_free(&error) }
        guard let raw = dbus_bus_get_private(bus, &error) else {
            throw convert(&error, fallback: "cannot connect to the bus")
        }
        return raw
    }

    static func release(_ raw: OpaquePointer) {
        dbus_connection_close(raw)
        dbus_connection_unref(raw)
    }

    static func convert(_ error: inout CDBus.DBusError, fallback: String) -> DBusError {
        guard dbus_error_is_set(&error) != 0, let name = error.name else { return DBusError(.failed, fallback) }
        let text = error.message.map { String(cString: $0) } ?? fallback
        return DBusError((try? ErrorName(String(cString: name))) ?? .failed, text)
    }
}
