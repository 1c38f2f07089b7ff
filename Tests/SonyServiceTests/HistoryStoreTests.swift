import DBusTestSupport
import Foundation
import SonyCore
import SonyService
import Testing

/// The SQLite history on its own: retention, reopening, corruption, an unwritable directory.
@Suite struct HistoryStoreTests {
    static let t0: Microseconds = 1_700_000_000 * .second
    static let xm4 = "AA:BB:CC:DD:EE:01"

    static func event(_ kind: HistoryKind, at time: Microseconds, address: String = xm4) -> HistoryEvent {
        var e = HistoryEvent(time: time, address: address, kind: kind)
        e.reason = "remote"
        e.sessionLength = 42
        return e
    }

    func directory() throws -> String {
        try TemporaryDirectory.make(prefix: "sonyctl-history")
    }

    @Test func eventsComeBackWithEveryFieldAfterReopening() async throws {
        let dir = try directory()
        var e = Self.event(.pattern, at: Self.t0)
        e.adapter = "hci0"
        e.rssi = -61
        e.battery = 40
        e.message = "Connection timeout"
        e.error = "org.sonyctl.Daemon1.Error.Timeout"
        e.pattern = "flapping"
        e.count = 3
        e.windowSeconds = 600
        e.step = "soft-reset"
        e.advice = "Soft-reset it."
        do {
            let store = try HistoryStore(directory: dir, logger: SonyDaemon.silent)
            try await store.append(e)
            try await store.remember(KnownDevice(address: Self.xm4, name: "WH-1000XM4", model: "WH-1000XM4", evidence: ["modalias", "name"], adapter: "hci0"))
        }
        let reopened = try HistoryStore(directory: dir, logger: SonyDaemon.silent)
        #expect(reopened.path == dir + "/history.sqlite")
        #expect(try await reopened.events(of: Self.xm4, since: 0, limit: 0) == [e])
        #expect(try await reopened.knownDevices().first?.evidence == ["modalias", "name"])
        #expect(try await reopened.events(of: "AA:BB:CC:DD:EE:99", since: 0, limit: 0).isEmpty)
    }

    @Test func retentionPrunesByAgeAndByCount() async throws {
        let store = try HistoryStore(directory: try directory(), retention: HistoryRetention(maxAge: .day, maxEvents: 100), logger: SonyDaemon.silent)
        try await store.append(Self.event(.connected, at: Self.t0))
        try await store.append(Self.event(.disconnected, at: Self.t0 + .day))
        #expect(try await store.count() == 2, "exactly a day old is kept")
        try await store.append(Self.event(.connected, at: Self.t0 + .day + 1))
        #expect(try await store.events(of: Self.xm4, since: 0, limit: 0).map(\.time) == [Self.t0 + .day, Self.t0 + .day + 1])

        try await store.append((0..<150).map { Self.event(.battery, at: Self.t0 + .day + 2 + Microseconds($0)) })
        #expect(try await store.count() == 100)
        let kept = try await store.events(of: Self.xm4, since: 0, limit: 0)
        #expect(kept.first?.time == Self.t0 + .day + 2 + 50, "the oldest went first")
    }

    @Test func aCorruptFileIsMovedAsideAndANewOneStarted() async throws {
        let dir = try directory()
        let file = dir + "/history.sqlite"
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: file))
        let store = try HistoryStore(directory: dir, logger: SonyDaemon.silent)
        #expect(store.path == file, "a fresh file in the same place")
        try await store.append(Self.event(.connected, at: Self.t0))
        #expect(try await store.count() == 1)
        let aside = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("history.sqlite.broken-") }
        #expect(aside.count == 1, "the broken file is kept for whoever wants to look: \(aside)")
    }

    @Test func anUnwritableDirectoryKeepsTheHistoryInMemory() async throws {
        let dir = try directory()
        // Not even root can create files in a directory whose path runs through a file.
        let impossible = dir + "/a-file/state"
        try Data().write(to: URL(fileURLWithPath: dir + "/a-file"))
        let store = try HistoryStore(directory: impossible, logger: SonyDaemon.silent)
        #expect(store.path == nil)
        try await store.append(Self.event(.connected, at: Self.t0))
        #expect(try await store.count() == 1, "still serving")
    }

    @Test func limitIsTheNewestAndSinceIsInclusive() async throws {
        let store = try HistoryStore(directory: nil, logger: SonyDaemon.silent)
        try await store.append((0..<5).map { Self.event(.battery, at: Self.t0 + Microseconds($0)) })
        try await store.append(Self.event(.battery, at: Self.t0 + 2, address: "AA:BB:CC:DD:EE:02"))
        #expect(try await store.events(of: Self.xm4, since: 0, limit: 2).map(\.time) == [Self.t0 + 3, Self.t0 + 4])
        #expect(try await store.events(of: Self.xm4, since: Self.t0 + 3, limit: 0).map(\.time) == [Self.t0 + 3, Self.t0 + 4])
        #expect(try await store.events(since: Self.t0 + 2).count == 4, "every device's")
    }

    @Test func aQueryForMoreThanTheCapIsRefusedNotRead() async throws {
        let store = try HistoryStore(directory: nil, logger: SonyDaemon.silent)
        try await store.append((0..<5).map { Self.event(.battery, at: Self.t0 + Microseconds($0)) })
        #expect(try await store.events(of: Self.xm4, since: 0, limit: 0, cap: 5).count == 5, "exactly the cap fits")
        #expect(try await store.events(of: Self.xm4, since: 0, limit: 3, cap: 4).map(\.time) == [Self.t0 + 2, Self.t0 + 3, Self.t0 + 4])
        #expect(try await store.events(of: Self.xm4, since: Self.t0 + 1, limit: 0, cap: 4).count == 4, "since narrows it under the cap")
        await #expect(throws: TooManyEvents.self) { try await store.events(of: Self.xm4, since: 0, limit: 0, cap: 4) }
        await #expect(throws: TooManyEvents.self) { try await store.events(of: Self.xm4, since: 0, limit: 9, cap: 4) }
    }
}
