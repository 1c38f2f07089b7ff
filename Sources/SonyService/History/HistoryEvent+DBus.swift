import DBus
import SonyCore

extension HistoryEvent {
    /// `(tsa{sv})`, an element of `GetHistory`'s answer.
    static let dbusType = SignatureType.structure([.uint64, .string, .dictionary(key: .string, value: .variant)])

    /// The event as `GetHistory` returns it; the detail keys and their types are the
    /// documented shape (`config/dbus/org.sonyctl.Daemon1.xml`).
    var dbusValue: DBusValue {
        var details: [(String, DBusValue)] = []
        func add(_ key: String, _ value: DBusValue?) {
            if let value { details.append((key, value)) }
        }
        add("adapter", adapter.map(DBusValue.string))
        add("rssi", rssi.map { .int16(Int16(clamping: $0)) })
        add("battery", battery.map { .int32(Int32(clamping: $0)) })
        add("reason", reason.map(DBusValue.string))
        add("message", message.map(DBusValue.string))
        add("session_us", sessionLength.map(DBusValue.uint64))
        add("error", error.map(DBusValue.string))
        add("pattern", pattern.map(DBusValue.string))
        add("count", count.map { .uint32(UInt32(clamping: $0)) })
        add("window_seconds", windowSeconds.map { .uint32(UInt32(clamping: $0)) })
        add("step", step.map(DBusValue.string))
        add("advice", advice.map(DBusValue.string))
        return .structure([
            .uint64(time), .string(kind.rawValue),
            .dictionary(key: .string, value: .variant, details.map { DBusValue.DictEntry(.string($0.0), .variant($0.1)) }),
        ])
    }
}
