import DBus
import DBusTestSupport
import SonyService

/// What the watch tests do to the simulated XM4 and read back from the daemon.
extension RepairFixture {
    /// The headset drops its link: with `Device1.Disconnected` (BlueZ ≥ 5.83) unless `withSignal` is false.
    func drop(reason: String = "org.bluez.Reason.Remote", withSignal: Bool = true) async throws {
        try await bluez.mock("DropConnection", [.objectPath(Self.bluezPath), .string(reason), .string(""), .boolean(withSignal)])
    }

    /// The headset (or bluetoothd's reconnect policy) brings the link back.
    func reconnect() async throws {
        try await bluez.mock("RemoteConnect", [.objectPath(Self.bluezPath), [String: Variant]().dbusValue])
    }

    func setBattery(_ percent: UInt8) async throws {
        try await bluez.mock("SetBattery", [.objectPath(Self.bluezPath), .byte(percent)])
    }

    /// `GetHistory(since, limit)` of the XM4, decoded.
    func history(since: UInt64 = 0, limit: UInt32 = 0) async throws -> [(time: UInt64, kind: String, details: [String: Variant])] {
        let reply = try await client.call(
            destination: DaemonNames.busName, path: Self.xm4Path, interface: DaemonNames.deviceInterface, member: "GetHistory",
            [.uint64(since), .uint32(limit)])
        return try Self.rows(reply).map { fields in
            guard fields.count == 3, case .uint64(let time) = fields[0], case .string(let kind) = fields[1] else {
                throw TestSupportError("a history row of the wrong shape: \(fields)")
            }
            return (time, kind, try [String: Variant](dbusValue: fields[2]))
        }
    }

    /// The kinds in the history, oldest first.
    func historyKinds() async throws -> [String] {
        try await history().map(\.kind)
    }

    /// Every `DisconnectPattern` so far.
    var patterns: [(kind: String, count: UInt32, window: UInt32, advice: String)] {
        signals("DisconnectPattern").compactMap { try? $0.decode(String.self, UInt32.self, UInt32.self, String.self) }
            .map { ($0.0, $0.1, $0.2, $0.3) }
    }

    func diagnose() async throws -> (step: String, advice: String, checks: [String: String]) {
        let reply = try await client.call(destination: DaemonNames.busName, path: Self.xm4Path, interface: DaemonNames.deviceInterface, member: "Diagnose")
        guard reply.body.count == 3, case .string(let step) = reply.body[0], case .string(let advice) = reply.body[1],
              case .array(_, let checks) = reply.body[2] else { throw TestSupportError("Diagnose answered \(reply.body)") }
        var results: [String: String] = [:]
        for check in checks {
            if case .structure(let f) = check, f.count == 3, case .string(let id) = f[0], case .string(let result) = f[1] { results[id] = result }
        }
        return (step, advice, results)
    }
}

