import CDBus
import Locking

/// The C callbacks libdbus uses to tell the loop about its watches and timeouts.
///
/// They run under libdbus's connection lock on any thread, so each one only
/// updates `IOState` and wakes the loop thread; none calls back into libdbus.
enum LibDBusCallbacks {
    static func install(on raw: OpaquePointer, loop: EventLoop) {
        let data = Unmanaged.passUnretained(loop).toOpaque()
        dbus_connection_set_watch_functions(raw, addWatch, removeWatch, toggleWatch, data, nil)
        dbus_connection_set_timeout_functions(raw, addTimeout, removeTimeout, toggleTimeout, data, nil)
        dbus_connection_set_wakeup_main_function(raw, wakeUp, data, nil)
        dbus_connection_set_dispatch_status_function(raw, dispatchStatus, data, nil)
    }

    /// Detaches the loop before the connection is released, so no callback can
    /// reach it once it is gone.
    static func uninstall(from raw: OpaquePointer) {
        dbus_connection_set_watch_functions(raw, nil, nil, nil, nil, nil)
        dbus_connection_set_timeout_functions(raw, nil, nil, nil, nil, nil)
        dbus_connection_set_wakeup_main_function(raw, nil, nil, nil)
        dbus_connection_set_dispatch_status_function(raw, nil, nil, nil)
    }

    private static func loop(_ data: UnsafeMutableRawPointer?) -> EventLoop? {
        guard let data else { return nil }
        return Unmanaged<EventLoop>.fromOpaque(data).takeUnretainedValue()
    }

    private static let addWatch: DBusAddWatchFunction = { watch, data in
        guard let watch, let loop = loop(data) else { return 0 }
        let entry = IOState.Watch(
            id: UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(watch))),
            fd: dbus_watch_get_unix_fd(watch),
            flags: dbus_watch_get_flags(watch),
            enabled: dbus_watch_get_enabled(watch) != 0)
        loop.io.withLock { $0.watches.append(entry) }
        loop.wake()
        return 1
    }

    private static let removeWatch: DBusRemoveWatchFunction = { watch, data in
        guard let watch, let loop = loop(data) else { return }
        let id = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(watch)))
        loop.io.withLock { $0.watches.removeAll { $0.id == id } }
        loop.wake()
    }

    private static let toggleWatch: DBusWatchToggledFunction = { watch, data in
        guard let watch, let loop = loop(data) else { return }
        let id = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(watch)))
        let enabled = dbus_watch_get_enabled(watch) != 0
        loop.io.withLock { io in
            if let i = io.watches.firstIndex(where: { $0.id == id }) { io.watches[i].enabled = enabled }
        }
        loop.wake()
    }

    private static let addTimeout: DBusAddTimeoutFunction = { timeout, data in
        guard let timeout, let loop = loop(data) else { return 0 }
        let interval = UInt64(max(0, dbus_timeout_get_interval(timeout))) * 1_000_000
        let entry = IOState.Timeout(
            id: UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(timeout))),
            intervalNanoseconds: interval,
            enabled: dbus_timeout_get_enabled(timeout) != 0,
            deadline: MonotonicClock.now() &+ interval)
        loop.io.withLock { $0.timeouts.append(entry) }
        loop.wake()
        return 1
    }

    private static let removeTimeout: DBusRemoveTimeoutFunction = { timeout, data in
        guard let timeout, let loop = loop(data) else { return }
        let id = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(timeout)))
        loop.io.withLock { $0.timeouts.removeAll { $0.id == id } }
        loop.wake()
    }

    private static let toggleTimeout: DBusTimeoutToggledFunction = { timeout, data in
        guard let timeout, let loop = loop(data) else { return }
        let id = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(timeout)))
        let enabled = dbus_timeout_get_enabled(timeout) != 0
        let interval = UInt64(max(0, dbus_timeout_get_interval(timeout))) * 1_000_000
        loop.io.withLock { io in
            if let i = io.timeouts.firstIndex(where: { $0.id == id }) {
                io.timeouts[i].enabled = enabled
                io.timeouts[i].intervalNanoseconds = interval
                io.timeouts[i].deadline = MonotonicClock.now() &+ interval
            }
        }
        loop.wake()
    }

    private static let wakeUp: DBusWakeupMainFunction = { data in
        loop(data)?.wake()
    }

    private static let dispatchStatus: DBusDispatchStatusFunction = { _, status, data in
        if status == DBUS_DISPATCH_DATA_REMAINS { loop(data)?.wake() }
    }
}
