package import SonyClient

/// Devices in words: a table row for `list`, a page for `status`.
package enum DeviceText {
    /// `connected`, `paired`, `not paired`, `not in BlueZ`, `repairing: pairing`.
    package static func state(_ d: DeviceSnapshot) -> (String, Style?) {
        if d.isRepairing { return ("repairing: \(d.repairState)", .cyan) }
        if !d.present { return ("not in BlueZ", .dim) }
        if d.connected { return ("connected", .green) }
        if d.paired { return ("paired", nil) }
        return ("not paired", .yellow)
    }

    package static func battery(_ d: DeviceSnapshot) -> (String, Style?) {
        guard let percent = d.battery else { return ("–", .dim) }
        return ("\(percent)%", percent <= 15 ? .red : percent <= 30 ? .yellow : nil)
    }

    package static func health(_ health: String) -> Style? {
        switch health {
        case "ok": .green
        case "unknown": .dim
        default: .yellow
        }
    }

    package static func table(_ devices: [DeviceSnapshot], on terminal: Terminal) -> [String] {
        var table = Table(["ADDRESS", "NAME", "MODEL", "STATE", "BATTERY", "HEALTH"])
        for d in devices {
            let (state, stateStyle) = self.state(d)
            let (battery, batteryStyle) = self.battery(d)
            table.add([
                .init(d.address), .init(d.name.isEmpty ? "–" : d.name), .init(d.model.isEmpty ? "unknown Sony" : d.model, d.model.isEmpty ? .dim : nil),
                .init(state, stateStyle), .init(battery, batteryStyle), .init(d.health, health(d.health)),
            ])
        }
        return table.lines(on: terminal)
    }

    /// Everything the daemon knows of one device, with the advice last and prominent.
    package static func page(_ d: DeviceSnapshot, now: UInt64, on terminal: Terminal) -> [String] {
        var lines = [terminal.paint(d.displayName, .bold) + "  " + d.address]
        func row(_ label: String, _ value: String) {
            lines.append("  " + label + String(repeating: " ", count: max(1, 16 - label.count)) + value)
        }
        let model = d.model.isEmpty ? "unknown Sony model" : d.model
        row("Model", model + (d.evidence.isEmpty ? "" : " (recognised by \(d.evidence.joined(separator: ", ")))"))
        let (state, stateStyle) = self.state(d)
        var flags: [String] = []
        if d.present {
            flags.append(d.paired ? "paired" : "not paired")
            flags.append(d.trusted ? "trusted" : "not trusted")
        }
        row("State", terminal.paint(state, stateStyle ?? .bold) + (flags.isEmpty ? "" : " (\(flags.joined(separator: ", ")))")
            + (d.adapter.isEmpty ? "" : " on \(d.adapter)"))
        let (battery, batteryStyle) = self.battery(d)
        row("Battery", d.battery == nil ? "unknown" : terminal.paint(battery, batteryStyle ?? .bold))
        row("Health", terminal.paint(d.health, health(d.health) ?? .bold))
        row("Last connected", when(d.lastConnected, now: now))
        row("Last dropped", when(d.lastDisconnected, now: now))
        row("Drops, 1 hour", "\(d.disconnectsLastHour)")
        row("Repair", d.repairState)
        if !d.advice.isEmpty {
            lines.append("")
            lines.append(terminal.paint("Advice: ", .boldYellow) + d.advice)
        }
        return lines
    }

    package static func when(_ micros: UInt64?, now: UInt64) -> String {
        guard let micros else { return "never" }
        return WallClock.dateTime(micros) + " (" + Span.ago(micros, now: now) + ")"
    }
}
