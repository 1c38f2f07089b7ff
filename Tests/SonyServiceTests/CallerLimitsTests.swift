import DBus
import DBusTestSupport
import Foundation
import SonyCore
import SonyService
import Testing

/// What any caller, authorized or not, can make the daemon do is bounded: the
/// size of a history answer, the length of a query.
/// Three minutes: 50,001 events in and 50,000 back out take over a minute under ThreadSanitizer.
@Suite(.timeLimit(.minutes(3)))
struct CallerLimitsTests {
    static let xm4 = "AA:BB:CC:DD:EE:01"
    static let path: ObjectPath = "/org/sonyctl/Daemon1/devices/dev_AA_BB_CC_DD_EE_01"

    @Test func aHistoryAnswerIsBoundedAndAQueryOfAnyLengthIsAnswered() async throws {
        let bus = try PrivateBus(type: "system")
        let bluez = try await SonyBlueZ(bus: bus)
        try await bluez.addDevice(Self.xm4, "WH-1000XM4", ["Modalias": Variant("usb:v054Cp0D58d0301")])
        let store = try HistoryStore(directory: nil, retention: HistoryRetention(maxEvents: 100_000), logger: SonyDaemon.silent)
        let t0: Microseconds = 1_700_000_000 * .second
        try await store.append((0...50_000).map { i in
            var e = HistoryEvent(time: t0 + Microseconds(i), address: Self.xm4, kind: .disconnected)
            e.reason = "remote"
            e.adapter = "hci0"
            e.rssi = -60
            return e
        })
        let daemon = SonyDaemon(connection: try bus.connect(), catalogue: try ModelCatalogue.load(contentsOf: SonyBlueZ.catalogue), history: store)
        let runner = Task { try await daemon.run() }
        defer { runner.cancel() }
        let client = try bus.connect()
        try await waitForOwner(of: DaemonNames.busName, on: client, within: .seconds(30))
        try await withDeadline(.seconds(30), "the device") { while daemon.records.isEmpty { try await Task.sleep(for: .milliseconds(20)) } }

        func history(since: UInt64, limit: UInt32) async throws -> Message {
            try await client.call(destination: DaemonNames.busName, path: Self.path, interface: DaemonNames.deviceInterface, member: "GetHistory",
                                  [.uint64(since), .uint32(limit)])
        }
        let all = try await #require(throws: DBusError.self) { _ = try await history(since: 0, limit: 0) }
        #expect(all.name == .limitsExceeded)
        #expect(all.message.contains("50000"), "the message says how many may be asked for: \(all.message)")
        let tooMany = try await #require(throws: DBusError.self) { _ = try await history(since: 0, limit: 60_000) }
        #expect(tooMany.name == .limitsExceeded)

        let newest = try await history(since: 0, limit: 50_000)
        guard case .array(_, let rows)? = newest.body.first else { throw TestSupportError("GetHistory answered \(newest.body)") }
        #expect(rows.count == 50_000)
        let later = try await history(since: UInt64(t0) + 40_001, limit: 0)
        guard case .array(_, let laterRows)? = later.body.first else { throw TestSupportError("GetHistory answered \(later.body)") }
        #expect(laterRows.count == 10_000, "a later since brings it under the cap")

        let long = String(repeating: "x", count: 1 << 20)
        let huge = try await #require(throws: DBusError.self) {
            _ = try await client.call(destination: DaemonNames.busName, path: DaemonNames.managerPath, interface: DaemonNames.managerInterface,
                                      member: "ResolveDevice", [.string(long)])
        }
        #expect(huge.name == .invalidArgs)
        #expect(huge.message.count < 1_000, "the reply does not echo a megabyte back: \(huge.message.prefix(100))")
        let longest = String(repeating: "y", count: 248)
        let none = try await #require(throws: DBusError.self) {
            _ = try await client.call(destination: DaemonNames.busName, path: DaemonNames.managerPath, interface: DaemonNames.managerInterface,
                                      member: "ResolveDevice", [.string(longest)])
        }
        #expect(none.name.rawValue == "org.sonyctl.Daemon1.Error.UnknownDevice", "a name as long as Bluetooth allows is looked up")
        #expect(try await store.count() == 50_001, "nothing lost on the way")
    }
}
