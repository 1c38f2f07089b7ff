import DBus
package import SonyClient

/// The JSON shapes of devices and errors, documented in README.md ("JSON output").
package enum DeviceJSON {
    /// One device: every property the daemon has, unknowns as `null`.
    package static func object(_ d: DeviceSnapshot) -> JSON {
        .object([
            "address": .string(d.address),
            "name": .string(d.name),
            "model": .nullable(d.model.isEmpty ? nil : d.model),
            "path": .string(d.path.rawValue),
            "adapter": .nullable(d.adapter.isEmpty ? nil : d.adapter),
            "present": .bool(d.present),
            "paired": .bool(d.paired),
            "trusted": .bool(d.trusted),
            "connected": .bool(d.connected),
            "battery": .integer(d.battery),
            "health": .string(d.health),
            "advice": .nullable(d.advice.isEmpty ? nil : d.advice),
            "repair_state": .string(d.repairState),
            "last_connected_us": .integer(d.lastConnected),
            "last_disconnected_us": .integer(d.lastDisconnected),
            "disconnects_last_hour": .integer(d.disconnectsLastHour),
            "evidence": .strings(d.evidence),
        ])
    }
}

package enum ErrorJSON {
    package static func object(_ f: Failure) -> JSON {
        var fields: [(String, JSON)] = [
            ("kind", .string(f.kind)),
            ("message", .string(f.message)),
            ("exit_code", .int(Int64(f.status.rawValue))),
            ("error_name", .nullable(f.errorName)),
            ("hints", .strings(f.hints)),
        ]
        if !f.candidates.isEmpty { fields.append(("candidates", .array(f.candidates.map(DeviceJSON.object)))) }
        return .object(fields)
    }
}
