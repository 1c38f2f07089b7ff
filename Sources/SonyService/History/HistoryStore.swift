import GRDB
public import Logging
public import SonyCore
#if canImport(Glibc)
import Glibc
#endif

/// The persistent history: every connect, drop, battery change, pairing, forget, repair
/// and pattern, in SQLite under the state directory.
///
/// Durable: WAL with `synchronous=FULL`, so an event whose `append` has returned is on
/// disk and survives SIGKILL or power loss. Bounded: each append prunes what the
/// retention no longer allows, in the same transaction. Never fatal: a corrupt or
/// unreadable file is moved aside and a fresh one started; where no file can be written
/// at all (a read-only state directory) the history is kept in memory and the log says so.
public final class HistoryStore: Sendable {
    public let path: String?
    public let retention: HistoryRetention
    private let database: DatabaseQueue
    private let logger: Logger

    /// Opens (or creates) `directory/history.sqlite`; `directory: nil` keeps it in memory.
    /// Throws only when SQLite cannot even open a database in memory.
    public init(directory: String?, retention: HistoryRetention = HistoryRetention(), logger: Logger) throws {
        self.retention = retention
        self.logger = logger
        guard let directory else {
            path = nil
            database = try Self.inMemory()
            return
        }
        let file = directory + "/history.sqlite"
        // systemd makes StateDirectory=; a build-folder run may name a new one.
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            logger.error("cannot create the state directory \(directory): \(String(cString: strerror(errno)))")
        }
        if let opened = Self.open(file, logger: logger) {
            path = file
            database = opened
        } else {
            logger.critical("history is kept in memory only: \(file) cannot be opened or created")
            path = nil
            database = try Self.inMemory()
        }
    }

    // MARK: - Writing

    /// Appends `event`; returns once it is durable.
    public func append(_ event: HistoryEvent) async throws {
        try await append([event])
    }

    /// Appends `events` in one transaction. Not cancellable: whatever asked for it (a
    /// repair cancelled by SIGTERM) still gets its ending recorded.
    public func append(_ events: [HistoryEvent]) async throws {
        let retention = retention
        let database = database
        try await HistoryThread.shared.run {
            try database.write { db in
                for event in events { try EventRow(event).insert(db) }
                guard let newest = events.map(\.time).max() else { return }
                if newest > retention.maxAge {
                    try db.execute(sql: "DELETE FROM events WHERE time_us < ?", arguments: [Int64(clamping: newest - retention.maxAge)])
                }
                try db.execute(
                    sql: "DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?)",
                    arguments: [retention.maxEvents])
            }
        }
    }

    /// Remembers what a device is, so that it keeps its object after BlueZ forgets it
    /// and after the daemon restarts.
    public func remember(_ device: KnownDevice) async throws {
        let database = database
        try await HistoryThread.shared.run { try database.write { db in try DeviceRow(device).save(db) } }
    }

    // MARK: - Reading

    /// The device's events at or after `since`, at most the newest `limit` (0: all), oldest first.
    /// Throws `TooManyEvents` rather than read more than `cap` rows: a reply that large
    /// would cost every other caller and may be more than the bus carries.
    public func events(of address: String, since: Microseconds, limit: Int, cap: Int = .max) async throws -> [HistoryEvent] {
        let withinCap = limit > 0 && limit <= cap
        // One row beyond the cap is how to know there are too many; SQLite's LIMIT -1 is none.
        let rowsWanted = withinCap ? limit : (cap < .max ? cap + 1 : -1)
        let database = database
        let rows = try await HistoryThread.shared.run {
            try database.read { db in
                try EventRow.fetchAll(db, sql: "SELECT * FROM events WHERE address = ? AND time_us >= ? ORDER BY time_us DESC, id DESC LIMIT ?",
                                      arguments: [address, Int64(clamping: since), rowsWanted])
            }
        }
        if !withinCap, rows.count > cap { throw TooManyEvents(cap: cap) }
        return rows.reversed().compactMap(\.event)
    }

    /// Every device's events at or after `since`, oldest first: what the watch replays at start.
    public func events(since: Microseconds) async throws -> [HistoryEvent] {
        let database = database
        return try await HistoryThread.shared.run {
            try database.read { db in
                try EventRow.fetchAll(db, sql: "SELECT * FROM events WHERE time_us >= ? ORDER BY time_us, id",
                                      arguments: [Int64(clamping: since)]).compactMap(\.event)
            }
        }
    }

    public func knownDevices() async throws -> [KnownDevice] {
        let database = database
        return try await HistoryThread.shared.run { try database.read { db in try DeviceRow.fetchAll(db).map(\.device) } }
    }

    public func count() async throws -> Int {
        let database = database
        return try await HistoryThread.shared.run { try database.read { db in try EventRow.fetchCount(db) } }
    }

    // MARK: - Opening

    /// The file opened and migrated, moved aside once and started anew if it is corrupt or
    /// unreadable; `nil` if not even a fresh file can be made.
    private static func open(_ file: String, logger: Logger) -> DatabaseQueue? {
        do {
            return try openAndCheck(file)
        } catch {
            let aside = file + ".broken-\(SystemWallClock().now() / .second)"
            logger.error("history database \(file) is unusable (\(error)); moved aside to \(aside), starting a new one")
            for suffix in ["", "-wal", "-shm"] where access(file + suffix, F_OK) == 0 {
                rename(file + suffix, aside + suffix)
            }
            do {
                return try openAndCheck(file)
            } catch {
                logger.critical("cannot create a new history database \(file): \(error)")
                return nil
            }
        }
    }

    private static func openAndCheck(_ file: String) throws -> DatabaseQueue {
        let database = try DatabaseQueue(path: file, configuration: configuration())
        try migrator.migrate(database)
        try database.read { db in
            let verdict = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? "no answer"
            guard verdict == "ok" else { throw HistoryStoreError("quick_check: \(verdict)") }
        }
        return database
    }

    private static func inMemory() throws -> DatabaseQueue {
        let database = try DatabaseQueue(configuration: configuration())
        try migrator.migrate(database)
        return database
    }

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.label = "sonyctl.history"
        configuration.prepareDatabase { db in
            // WAL: readers never block the writer; FULL: a committed event survives power loss.
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return configuration
    }

    /// Every schema change is a new migration appended here, never an edit of an old one.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: events and devices") { db in
            try db.create(table: "events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("time_us", .integer).notNull()
                t.column("address", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("adapter", .text)
                t.column("rssi", .integer)
                t.column("battery", .integer)
                t.column("reason", .text)
                t.column("message", .text)
                t.column("session_us", .integer)
                t.column("error", .text)
                t.column("pattern", .text)
                t.column("count", .integer)
                t.column("window_seconds", .integer)
                t.column("step", .text)
                t.column("advice", .text)
            }
            try db.create(index: "events_by_address", on: "events", columns: ["address", "time_us"])
            try db.create(index: "events_by_time", on: "events", columns: ["time_us"])
            try db.create(table: "devices") { t in
                t.primaryKey("address", .text)
                t.column("name", .text)
                t.column("model", .text)
                t.column("evidence", .text).notNull()
                t.column("adapter", .text)
            }
        }
        return migrator
    }()
}

/// A Sony device the history knows, whether or not BlueZ still has it.
public struct KnownDevice: Sendable, Equatable {
    public var address: String
    public var name: String?
    /// The catalogue id, when identified.
    public var model: String?
    public var evidence: [String]
    public var adapter: String?

    public init(address: String, name: String?, model: String?, evidence: [String], adapter: String?) {
        self.address = address
        self.name = name
        self.model = model
        self.evidence = evidence
        self.adapter = adapter
    }
}

struct HistoryStoreError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// More events match a history query than one answer may hold.
public struct TooManyEvents: Error, Sendable {
    public let cap: Int
}
