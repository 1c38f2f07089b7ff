import BlueZ
import SonyCore

/// How `ResolveDevice` reads a user's words: an address (any case), a name or
/// alias (any case), or a model that matches exactly one device.
///
/// It runs under the daemon's lock on every call, so it compares in place rather
/// than lowercasing copies of every name.
enum DeviceResolver {
    static func resolve(_ query: String, among records: some Collection<DeviceRecord>) throws(DaemonError) -> DeviceRecord {
        if let byAddress = records.first(where: { $0.address.equalsIgnoringCase(query) }) { return byAddress }
        let byName = records.filter { record in
            [record.sony.name, record.bluez?.name, record.bluez?.alias].contains { $0?.equalsIgnoringCase(query) == true }
        }
        if let result = try pick(byName, query) { return result }
        let byModel = records.filter { record in
            guard let model = record.sony.model else { return false }
            return model.id.equalsIgnoringCase(query) || model.names.contains { $0.equalsIgnoringCase(query) }
        }
        if let result = try pick(byModel, query) { return result }
        throw DaemonError(.unknownDevice, "no Sony device matches \"\(query)\"")
    }

    private static func pick(_ candidates: [DeviceRecord], _ query: String) throws(DaemonError) -> DeviceRecord? {
        guard candidates.count > 1 else { return candidates.first }
        let list = candidates.map { "\($0.address) (\($0.sony.name ?? $0.sony.model?.id ?? "unnamed"))" }.sorted()
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
