import BlueZ
import SonyCore

/// How `ResolveDevice` reads a user's words: an address (any case), a name or
/// alias (any case), or a model that matches exactly one device.
///
/// It runs under the daemon's lock on every call, so it compares in place and
/// hands back only the address: no copies of the records, no lowercased names.
enum DeviceResolver {
    static func resolve(_ query: String, among records: some Collection<DeviceRecord>) throws(DaemonError) -> String {
        for record in records where record.address.equalsIgnoringCase(query) { return record.address }
        var byName: [String] = []
        for record in records where named(record, query) { byName.append(record.address) }
        if let address = try pick(byName, query, records) { return address }
        var byModel: [String] = []
        for record in records where isModel(record, query) { byModel.append(record.address) }
        if let address = try pick(byModel, query, records) { return address }
        throw DaemonError(.unknownDevice, "no Sony device matches \"\(query)\"")
    }

    private static func named(_ record: DeviceRecord, _ query: String) -> Bool {
        record.sony.name?.equalsIgnoringCase(query) == true || record.bluez?.name?.equalsIgnoringCase(query) == true
            || record.bluez?.alias?.equalsIgnoringCase(query) == true
    }

    private static func isModel(_ record: DeviceRecord, _ query: String) -> Bool {
        guard let model = record.sony.model else { return false }
        return model.id.equalsIgnoringCase(query) || model.names.contains { $0.equalsIgnoringCase(query) }
    }

    private static func pick(
        _ candidates: [String], _ query: String, _ records: some Collection<DeviceRecord>
    ) throws(DaemonError) -> String? {
        guard candidates.count > 1 else { return candidates.first }
        let list = records.filter { candidates.contains($0.address) }
            .map { "\($0.address) (\($0.sony.name ?? $0.sony.model?.id ?? "unnamed"))" }.sorted()
        throw DaemonError(.ambiguous, "\"\(query)\" matches \(candidates.count) devices: " + list.joined(separator: ", "))
    }
}

extension String {
    /// Case-insensitive equality without allocating for ASCII, which addresses and
    /// model names are; anything else is compared lowercased.
    func equalsIgnoringCase(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        var ascii = true
        let same = zip(a, b).allSatisfy { x, y in
            if x >= 0x80 || y >= 0x80 { ascii = false }
            return x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= UInt8(ascii: "a") && (x | 0x20) <= UInt8(ascii: "z"))
        }
        return ascii ? same : lowercased() == other.lowercased()
    }
}
