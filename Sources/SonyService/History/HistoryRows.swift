import GRDB
import SonyCore

/// A row of `events`: `HistoryEvent` as SQLite stores it.
struct EventRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "events"

    var id: Int64?
    var timeUs: Int64
    var address: String
    var kind: String
    var adapter: String?
    var rssi: Int?
    var battery: Int?
    var reason: String?
    var message: String?
    var sessionUs: Int64?
    var error: String?
    var pattern: String?
    var count: Int?
    var windowSeconds: Int?
    var step: String?
    var advice: String?

    enum CodingKeys: String, CodingKey {
        case id, address, kind, adapter, rssi, battery, reason, message, error, pattern, count, step, advice
        case timeUs = "time_us", sessionUs = "session_us", windowSeconds = "window_seconds"
    }

    init(_ e: HistoryEvent) {
        timeUs = Int64(clamping: e.time)
        address = e.address
        kind = e.kind.rawValue
        adapter = e.adapter
        rssi = e.rssi
        battery = e.battery
        reason = e.reason
        message = e.message
        sessionUs = e.sessionLength.map { Int64(clamping: $0) }
        error = e.error
        pattern = e.pattern
        count = e.count
        windowSeconds = e.windowSeconds
        step = e.step
        advice = e.advice
    }

    /// `nil` for a row whose kind this version does not know (written by a newer one).
    var event: HistoryEvent? {
        guard let kind = HistoryKind(rawValue: kind), timeUs >= 0 else { return nil }
        var e = HistoryEvent(time: Microseconds(timeUs), address: address, kind: kind)
        e.adapter = adapter
        e.rssi = rssi
        e.battery = battery
        e.reason = reason
        e.message = message
        e.sessionLength = sessionUs.flatMap { $0 >= 0 ? Microseconds($0) : nil }
        e.error = error
        e.pattern = pattern
        e.count = count
        e.windowSeconds = windowSeconds
        e.step = step
        e.advice = advice
        return e
    }
}

/// A row of `devices`.
struct DeviceRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "devices"

    var address: String
    var name: String?
    var model: String?
    /// Comma-separated evidence kinds.
    var evidence: String
    var adapter: String?

    init(_ d: KnownDevice) {
        address = d.address
        name = d.name
        model = d.model
        evidence = d.evidence.joined(separator: ",")
        adapter = d.adapter
    }

    var device: KnownDevice {
        KnownDevice(address: address, name: name, model: model, evidence: evidence.split(separator: ",").map(String.init), adapter: adapter)
    }
}
