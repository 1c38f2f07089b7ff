import SonyCLIOutput
import SonyClient

/// `sonyctl diagnose` in words and as JSON.
enum DiagnosisText {
    static func label(_ id: String) -> String {
        switch id {
        case "bluez": "BlueZ"
        case "adapter": "adapter"
        case "audio-server": "audio server"
        case "present": "present"
        case "paired": "paired"
        case "trusted": "trusted"
        case "connected": "connected"
        case "services-resolved": "services resolved"
        case "audio-profile": "audio profile"
        case "battery": "battery"
        case "recent-drops": "recent drops"
        case "bond": "bond"
        default: id
        }
    }

    static func mark(_ result: String, on terminal: Terminal) -> String {
        switch result {
        case "pass": terminal.paint(terminal.mark("✓", or: "[pass]"), .green)
        case "warn": terminal.paint(terminal.mark("!", or: "[warn]"), .boldYellow)
        case "fail": terminal.paint(terminal.mark("✗", or: "[FAIL]"), .boldRed)
        case "skip": terminal.paint(terminal.mark("–", or: "[skip]"), .dim)
        default: terminal.paint(terminal.mark("?", or: "[ ?? ]"), .dim)
        }
    }

    /// The step in words, and the `sonyctl` command or guide section that does it.
    static func step(_ step: String, device: DeviceSnapshot) -> (title: String, more: String?) {
        let model = device.model.isEmpty ? nil : device.model
        func guide(_ tier: String) -> String? { model.map { "The full procedure: `sonyctl guide \($0) --tier \(tier)`." } }
        switch step {
        case "none": return ("nothing to do: everything checked is fine", nil)
        case "host-fix": return ("fix this computer", nil)
        case "reconnect": return ("reconnect", nil)
        case "charge": return ("charge the headset", nil)
        case "soft-reset": return ("soft reset (restart the headset)", guide("soft"))
        case "network-reset": return ("network reset", "This computer's half: `sonyctl repair \(device.address)`." + (guide("network").map { " " + $0 } ?? ""))
        case "factory-reset": return ("factory reset", guide("factory"))
        case "firmware-recovery": return ("firmware recovery", guide("recovery"))
        default: return (step, nil)
        }
    }

    static func lines(_ d: Diagnosis, device: DeviceSnapshot, on terminal: Terminal) -> [String] {
        var lines = [terminal.paint("Diagnosis of \(device.displayName) (\(device.address))", .bold)]
        let width = max(12, d.checks.map { label($0.id).count }.max() ?? 0)
        for check in d.checks {
            let name = label(check.id)
            lines.append("  \(mark(check.result, on: terminal)) \(name)" + String(repeating: " ", count: width - name.count) + "  " + check.detail)
        }
        lines.append("")
        let (title, more) = step(d.step, device: device)
        lines.append(terminal.paint("Next step: ", .bold) + terminal.paint(title, d.step == "none" ? .green : .boldYellow))
        for line in wrap(d.advice, width: terminal.width - 4) where !d.advice.isEmpty { lines.append("  " + line) }
        if let more { lines.append("  " + more) }
        return lines
    }

    static func json(_ d: Diagnosis, device: DeviceSnapshot) -> JSON {
        .object([
            "device": DeviceJSON.object(device), "step": .string(d.step), "advice": .string(d.advice),
            "checks": .array(d.checks.map { .object(["id": .string($0.id), "result": .string($0.result), "detail": .string($0.detail)]) }),
        ])
    }
}
