import DBus
import SonyCLIOutput
import SonyClient

/// `sonyctl history` in words, and its events as JSON.
enum HistoryText {
    /// The words of one event's details, from the keys its kind has; unknown keys are left out.
    static func details(_ e: HistoryEvent) -> String {
        var parts: [String] = []
        switch e.kind {
        case "connected":
            if let adapter = e.string("adapter") { parts.append("on \(adapter)") }
            if let rssi = e.integer("rssi") { parts.append("RSSI \(rssi) dBm") }
        case "disconnected":
            if let reason = e.string("reason") { parts.append(Self.reason(reason)) }
            if let session = e.integer("session_us"), session >= 1_000_000 { parts.append("after \(Span.words(micros: UInt64(session)))") }
        case "pattern":
            let what = e.string("pattern") ?? "pattern"
            if let count = e.integer("count"), let window = e.integer("window_seconds"), window > 0 {
                parts.append("\(what): \(count) drops in \(Span.words(seconds: UInt64(window)))")
            } else {
                parts.append(what)
            }
            if let advice = e.string("advice") { parts.append(advice) }
        case "repair-failed", "repair-cancelled":
            if let step = e.string("step") { parts.append("while \(step)") }
            if let error = e.string("error") { parts.append(error) }
        default:
            break
        }
        if e.kind != "battery", let battery = e.integer("battery") { parts.append("battery \(battery)%") }
        if e.kind == "battery", let battery = e.integer("battery") { parts.insert("\(battery)%", at: 0) }
        if let message = e.string("message"), !message.isEmpty { parts.append(message) }
        return parts.joined(separator: ", ")
    }

    static func reason(_ reason: String) -> String {
        switch reason {
        case "timeout": "link lost (timeout)"
        case "local": "by this computer"
        case "remote": "by the headset"
        case "authentication": "authentication failure"
        case "suspend": "computer suspended"
        default: "reason unknown"
        }
    }

    static func style(_ kind: String) -> Style? {
        switch kind {
        case "connected", "repair-succeeded", "paired": .green
        case "disconnected", "pattern", "repair-failed": .yellow
        default: nil
        }
    }

    static func rows(_ events: [HistoryEvent], on terminal: Terminal) -> [String] {
        var table = Table(["TIME", "EVENT", "DETAILS"])
        for e in events {
            table.add([.init(WallClock.dateTime(e.time)), .init(e.kind, style(e.kind)), .init(details(e))])
        }
        return table.lines(on: terminal)
    }

    /// The timeline block: a row per track, labelled, with the period's ends under it.
    static func timeline(_ events: [HistoryEvent], from start: UInt64, to end: UInt64, on terminal: Terminal) -> [String] {
        let labelWidth = 10
        let width = max(20, min(terminal.width - labelWidth - 2, 100))
        let t = Timeline(events, from: start, to: end, width: width)
        func track(_ label: String, _ row: String, _ style: Style) -> String {
            "  " + label + String(repeating: " ", count: labelWidth - label.count) + terminal.paint(row, style)
        }
        let left = WallClock.format(start, "%m-%d %H:%M"), right = WallClock.format(end, "%m-%d %H:%M")
        let axis = left + String(repeating: " ", count: max(1, width - left.count - right.count)) + right
        var summary = "\(t.connects) connects, \(t.disconnects) drops over \(Span.words(micros: end > start ? end - start : 0))"
        if let range = t.batteryRange { summary += ", battery \(range.first)% → \(range.last)%" }
        return [
            track("link", t.link, .green), track("drops", t.drops, .red), track("battery", t.battery, .cyan),
            "  " + String(repeating: " ", count: labelWidth) + terminal.paint(axis, .dim),
            "  " + terminal.paint(summary, .dim),
        ]
    }

    static func json(_ e: HistoryEvent) -> JSON {
        .object(["time_us": .integer(e.time), "kind": .string(e.kind), "details": .object(e.details.sorted { $0.key < $1.key }.map { ($0.key, JSON(dbus: $0.value.value)) })])
    }
}

extension JSON {
    /// A D-Bus value as plain JSON: numbers, strings, booleans, lists and objects.
    init(dbus value: DBusValue) {
        switch value {
        case .boolean(let v): self = .bool(v)
        case .byte(let v): self = .int(Int64(v))
        case .int16(let v): self = .int(Int64(v))
        case .uint16(let v): self = .int(Int64(v))
        case .int32(let v): self = .int(Int64(v))
        case .uint32(let v): self = .int(Int64(v))
        case .int64(let v): self = .int(v)
        case .uint64(let v): self = .int(Int64(clamping: v))
        case .double(let v): self = .double(v)
        case .string(let v): self = .string(v)
        case .objectPath(let v): self = .string(v.rawValue)
        case .signature(let v): self = .string(v.rawValue)
        case .variant(let inner): self = JSON(dbus: inner)
        case .array(_, let items): self = .array(items.map { JSON(dbus: $0) })
        case .structure(let fields): self = .array(fields.map { JSON(dbus: $0) })
        case .dictionary(_, _, let entries):
            self = .object(entries.map { entry in
                let key: String = if case .string(let s) = entry.key { s } else { entry.key.description }
                return (key, JSON(dbus: entry.value))
            })
        case .unixFD: self = .null
        }
    }
}
