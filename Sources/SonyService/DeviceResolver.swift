import BlueZ
import SonyCore

/// How `ResolveDevice` reads a user's words: an address (any case), a name or
/// alias (any case), or a model that matches exactly one device.
enum DeviceResolver {
    static func resolve(_ query: String, among records: [DeviceRecord]) throws -> DeviceRecord {
        let wanted = query.lowercased()
        let byAddress = records.filter { $0.address.lowercased() == wanted }
        if let only = byAddress.first { return only }
        let byName = records.filter { record in
            [record.sony.name, record.bluez?.name, record.bluez?.alias].contains { $0?.lowercased() == wanted }
        }
        if let result = try pick(byName, query) { return result }
        let byModel = records.filter { record in
            guard let model = record.sony.model else { return false }
            return ([model.id] + model.names).contains { $0.lowercased() == wanted }
        }
        if let result = try pick(byModel, query) { return result }
        throw DaemonError(.unknownDevice, "no Sony device matches \"\(query)\"")
    }

    private static func pick(_ candidates: [DeviceRecord], _ query: String) throws -> DeviceRecord? {
        guard candidates.count > 1 else { return candidates.first }
        let list = candidates.map { "\($0.address) (\($0.sony.name ?? $0.sony.model?.id ?? "unnamed"))" }.sorted()
        throw DaemonError(.ambiguous, "\"\(query)\" matches \(candidates.count) devices: " + list.joined(separator: ", "))
    }
}
