public import DBus

/// One entry of `Device.GetHistory`: `(t time_us, s kind, a{sv} details)`.
///
/// Details are kept as the daemon sent them; the typed accessors return nil
/// for a key that is missing or of another type, since any may be missing and
/// newer daemons may add keys.
public struct HistoryEvent: Sendable, Equatable {
    /// µs since the epoch.
    public var time: UInt64
    /// `connected`, `disconnected`, `battery`, `paired`, `forgotten`,
    /// `repair-started`, `repair-succeeded`, `repair-failed`,
    /// `repair-cancelled`, `pattern`, or one a newer daemon adds.
    public var kind: String
    public var details: [String: Variant]

    public init(time: UInt64, kind: String, details: [String: Variant] = [:]) {
        self.time = time
        self.kind = kind
        self.details = details
    }

    public func string(_ key: String) -> String? { details[key]?.get(String.self) }

    /// Any integer detail, whatever its D-Bus width.
    public func integer(_ key: String) -> Int64? {
        switch details[key]?.value {
        case .byte(let v)?: Int64(v)
        case .int16(let v)?: Int64(v)
        case .uint16(let v)?: Int64(v)
        case .int32(let v)?: Int64(v)
        case .uint32(let v)?: Int64(v)
        case .int64(let v)?: v
        case .uint64(let v)?: Int64(exactly: v)
        default: nil
        }
    }

    /// `a(tsa{sv})`, the reply of `GetHistory`.
    static func decodeList(_ message: Message) throws(DBusDecodingError) -> [HistoryEvent] {
        try message.rows("a(tsa{sv})", at: 0, fields: [.uint64, .string, .dictionary(key: .string, value: .variant)]).map {
            (fields) throws(DBusDecodingError) -> HistoryEvent in
            HistoryEvent(
                time: try UInt64(dbusValue: fields[0]), kind: try String(dbusValue: fields[1]),
                details: try [String: Variant](dbusValue: fields[2]))
        }
    }
}
