import DBus
import SonyCLIOutput
import SonyClient

/// One line of `sonyctl watch`: what happened, to which device, and the
/// facts that go with it, in the order they are printed.
struct WatchItem: Sendable {
    var time: UInt64
    /// `connected`, `disconnected`, `battery`, `health`, `paired`, `unpaired`,
    /// `device-added`, `device-removed`, `pattern`, `repair-progress`,
    /// `repair-finished`, `daemon-started`, `daemon-stopped`.
    var event: String
    var device: DeviceSnapshot?
    var fields: [(String, JSON)] = []
    /// The words after the device on a text line.
    var text: String
}

/// Turns the daemon's signals into `watch` lines, keeping each device's last
/// known state so that a property change can say what changed from what.
struct WatchFeed {
    private(set) var devices: [ObjectPath: DeviceSnapshot]
    /// Only this device's events, when one was named.
    let only: ObjectPath?

    init(devices: [DeviceSnapshot], only: ObjectPath? = nil) {
        self.devices = Dictionary(devices.map { ($0.path, $0) }, uniquingKeysWith: { $1 })
        self.only = only
    }

    mutating func items(for event: DaemonEvent, now: UInt64) throws(ClientError) -> [WatchItem] {
        switch event {
        case .daemonPresent(let present):
            guard only == nil else { return [] }
            return [WatchItem(
                time: now, event: present ? "daemon-started" : "daemon-stopped", device: nil,
                text: present ? "sonyctld started" : "sonyctld stopped (events resume when it is back)")]
        case .deviceAdded(let snapshot):
            devices[snapshot.path] = snapshot
            guard wanted(snapshot.path) else { return [] }
            return [WatchItem(time: now, event: "device-added", device: snapshot, text: "recognised as \(snapshot.model.isEmpty ? "a Sony device" : snapshot.model)")]
        case .deviceRemoved(let path):
            let old = devices.removeValue(forKey: path)
            guard wanted(path) else { return [] }
            return [WatchItem(time: now, event: "device-removed", device: old, text: "no longer known to sonyctld")]
        case .deviceChanged(let path, let changed):
            guard var snapshot = devices[path] else { return [] }
            let before = snapshot
            try snapshot.update(changed)
            devices[path] = snapshot
            guard wanted(path) else { return [] }
            return Self.changes(from: before, to: snapshot, time: now)
        case .repairProgress(let path, let stage, let message):
            guard wanted(path) else { return [] }
            return [WatchItem(
                time: now, event: "repair-progress", device: devices[path],
                fields: [("stage", .string(stage)), ("message", .string(message))], text: "repair \(stage): \(message)")]
        case .repairFinished(let path, let success, let errorName, let message):
            guard wanted(path) else { return [] }
            return [WatchItem(
                time: now, event: "repair-finished", device: devices[path],
                fields: [("success", .bool(success)), ("error_name", .nullable(errorName.isEmpty ? nil : errorName)), ("message", .string(message))],
                text: (success ? "repair succeeded: " : "repair failed: ") + message)]
        case .disconnectPattern(let path, let kind, let count, let window, let advice):
            guard wanted(path) else { return [] }
            return [WatchItem(
                time: now, event: "pattern", device: devices[path],
                fields: [("pattern", .string(kind)), ("count", .integer(count)), ("window_seconds", .integer(window)), ("advice", .string(advice))],
                text: "\(kind): \(count) drops in \(Span.words(seconds: UInt64(window))). \(advice)")]
        }
    }

    private func wanted(_ path: ObjectPath) -> Bool { only == nil || only == path }

    /// What a property change means to a person, one item per kind of change.
    static func changes(from old: DeviceSnapshot, to new: DeviceSnapshot, time: UInt64) -> [WatchItem] {
        var items: [WatchItem] = []
        func add(_ event: String, _ text: String, _ fields: [(String, JSON)] = []) {
            items.append(WatchItem(time: time, event: event, device: new, fields: fields, text: text))
        }
        if old.paired != new.paired { add(new.paired ? "paired" : "unpaired", new.paired ? "paired" : "pairing removed") }
        if old.connected != new.connected {
            if new.connected {
                add("connected", "connected" + (new.adapter.isEmpty ? "" : " on \(new.adapter)"))
            } else {
                add("disconnected", "disconnected" + (new.disconnectsLastHour > 0 ? " (\(new.disconnectsLastHour) in the last hour)" : ""),
                    [("disconnects_last_hour", .integer(new.disconnectsLastHour))])
            }
        }
        if old.battery != new.battery, let percent = new.battery {
            add("battery", "battery \(percent)%", [("battery", .integer(percent))])
        }
        if old.health != new.health || (old.advice != new.advice && !new.advice.isEmpty) {
            add("health", "health \(new.health)" + (new.advice.isEmpty ? "" : ": \(new.advice)"),
                [("health", .string(new.health)), ("advice", .nullable(new.advice.isEmpty ? nil : new.advice))])
        }
        return items
    }
}

extension WatchItem {
    var json: JSON {
        var all: [(String, JSON)] = [("time_us", .integer(time)), ("event", .string(event))]
        if let device {
            all += [("address", .string(device.address)), ("name", .string(device.name)), ("model", .nullable(device.model.isEmpty ? nil : device.model))]
        }
        return .object(all + fields)
    }

    func line(on terminal: Terminal) -> String {
        let who = device.map { "\($0.displayName) (\($0.address))  " } ?? ""
        let style: Style? = switch event {
        case "disconnected", "pattern", "daemon-stopped": .yellow
        case "connected", "daemon-started": .green
        default: nil
        }
        return terminal.paint(WallClock.time(time), .dim) + "  " + who + (style.map { terminal.paint(text, $0) } ?? text)
    }
}
