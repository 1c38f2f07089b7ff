import GRDB
import GRDBSQLite
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
/// unreadable file is moved aside and a fresh one started; where the disk takes no writes
/// (read-only, full) the file is left as it is, its events are served from a copy in
/// memory, new ones are kept there too, and the log says so once.
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
        switch Self.open(file, logger: logger) {
        case .writable(let opened):
            path = file
            database = opened
        case .unwritable(let why):
            path = nil
            database = try Self.inMemory()
            let served = Self.copy(file, into: database, logger: logger)
            let servedText = served.map { "its \($0) events are served, " } ?? ""
            logger.critical("history is kept in memory only: \(file) cannot be written (\(why)); \(servedText)new events are kept until sonyctld restarts")
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
        try await write { db in
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

    /// Remembers what a device is, so that it keeps its object after BlueZ forgets it
    /// and after the daemon restarts.
    public func remember(_ device: KnownDevice) async throws {
        try await write { db in try DeviceRow(device).save(db) }
    }

    // MARK: - Reading

    /// The device's events at or after `since`, at most the newest `limit` (0: all), oldest first.
    /// Throws `TooManyEvents` rather than read more than `cap` rows: a reply that large
    /// would cost every other caller and may be more than the bus carries.
    public func events(of address: String, since: Microseconds, limit: Int, cap: Int = .max) async throws -> [HistoryEvent] {
        let withinCap = limit > 0 && limit <= cap
        // One row beyond the cap is how to know there are too many; SQLite's LIMIT -1 is none.
        let rowsWanted = withinCap ? limit : (cap < .max ? cap + 1 : -1)
        let rows = try await read { db in
            try EventRow.fetchAll(db, sql: "SELECT * FROM events WHERE address = ? AND time_us >= ? ORDER BY time_us DESC, id DESC LIMIT ?",
                                  arguments: [address, Int64(clamping: since), rowsWanted])
        }
        if !withinCap, rows.count > cap { throw TooManyEvents(cap: cap) }
        return rows.reversed().compactMap(\.event)
    }

    /// Every device's events at or after `since`, oldest first: what the watch replays at start.
    public func events(since: Microseconds) async throws -> [HistoryEvent] {
        try await read { db in
            try EventRow.fetchAll(db, sql: "SELECT * FROM events WHERE time_us >= ? ORDER BY time_us, id",
                                  arguments: [Int64(clamping: since)]).compactMap(\.event)
        }
    }

    public func knownDevices() async throws -> [KnownDevice] {
        try await read { db in try DeviceRow.fetchAll(db).map(\.device) }
    }

    public func count() async throws -> Int {
        try await read { db in try EventRow.fetchCount(db) }
    }

    /// Every SQLite call goes through these two, on the history thread (`HistoryThread`).
    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let database = database
        return try await HistoryThread.shared.run { try database.read(body) }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let database = database
        return try await HistoryThread.shared.run { try database.write(body) }
    }

    // MARK: - Opening

    private enum Opened {
        case writable(DatabaseQueue)
        /// Why the disk takes no writes; the file is not touched.
        case unwritable(String)
    }

    /// The file opened and migrated; moved aside once and started anew if it is corrupt or
    /// unreadable. A disk that takes no writes (read-only, full, out of reach) says nothing
    /// about the file, which is then left exactly where it is.
    private static func open(_ file: String, logger: Logger) -> Opened {
        do {
            return .writable(try openAndCheck(file))
        } catch where isEnvironmental(error) {
            return .unwritable(reason(file, error))
        } catch {
            let aside = file + ".broken-\(SystemWallClock().now() / .second)"
            for suffix in ["", "-wal", "-shm"] where access(file + suffix, F_OK) == 0 {
                guard rename(file + suffix, aside + suffix) == 0 else {
                    let why = String(cString: strerror(errno))
                    logger.critical("history database \(file) is unusable (\(error)) and cannot be moved aside: \(why)")
                    return .unwritable(why)
                }
            }
            logger.error("history database \(file) is unusable (\(error)); moved aside to \(aside), starting a new one")
            do {
                return .writable(try openAndCheck(file))
            } catch {
                logger.critical("cannot create a new history database \(file): \(error)")
                return .unwritable(reason(file, error))
            }
        }
    }

    /// SQLite's errors that come from the disk or the system, never from the file's content.
    private static func isEnvironmental(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return [.SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_PERM, .SQLITE_AUTH, .SQLITE_BUSY,
                .SQLITE_LOCKED, .SQLITE_NOMEM].contains(error.resultCode)
    }

    /// The reason in a user's words where the file system tells it.
    private static func reason(_ file: String, _ error: any Error) -> String {
        let directory = String(file[..<(file.lastIndex(of: "/") ?? file.endIndex)])
        var info = statvfs()
        if statvfs(directory.isEmpty ? "." : directory, &info) == 0 {
            if info.f_flag & UInt(ST_RDONLY) != 0 { return "the state directory is on a read-only file system" }
            if info.f_bavail == 0 { return "the disk is full" }
        }
        if (error as? DatabaseError)?.resultCode == .SQLITE_FULL { return "the disk is full" }
        return "\(error)"
    }

    /// Copies what `file` holds into the in-memory `database`; the number of events, or
    /// nil when there is no file or nothing could be read. Read-only, the file as SQLite
    /// sees it (its -wal included) when its -wal and -shm exist; else its bytes, as a
    /// database in memory.
    private static func copy(_ file: String, into database: DatabaseQueue, logger: Logger) -> Int? {
        guard access(file, F_OK) == 0 else { return nil }
        do {
            do {
                var configuration = Configuration()
                configuration.readonly = true
                try DatabaseQueue(path: file, configuration: configuration).backup(to: database)
            } catch {
                try deserialize(file, into: database)
            }
            try migrator.migrate(database)
            return try database.read { db in try EventRow.fetchCount(db) }
        } catch {
            logger.error("cannot read the history in \(file): \(error)")
            return nil
        }
    }

    /// The file's bytes as the in-memory database: what a WAL-mode file checkpointed at its
    /// last close holds, with no -shm to be made beside it on a disk that takes no writes.
    private static func deserialize(_ file: String, into database: DatabaseQueue) throws {
        let fd = Glibc.open(file, O_RDONLY)
        guard fd >= 0 else { throw HistoryStoreError("open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size >= 100, let buffer = sqlite3_malloc64(UInt64(info.st_size)) else {
            throw HistoryStoreError("not a database")
        }
        var done = 0
        while done < Int(info.st_size) {
            let n = Glibc.read(fd, buffer + done, Int(info.st_size) - done)
            guard n > 0 else {
                sqlite3_free(buffer)
                throw HistoryStoreError("read: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        // Bytes 18 and 19 of the header say WAL (2); a database in memory is legacy (1).
        buffer.storeBytes(of: 1, toByteOffset: 18, as: UInt8.self)
        buffer.storeBytes(of: 1, toByteOffset: 19, as: UInt8.self)
        try database.writeWithoutTransaction { db in
            let code = sqlite3_deserialize(
                db.sqliteConnection, "main", buffer.assumingMemoryBound(to: UInt8.self), sqlite3_int64(info.st_size),
                sqlite3_int64(info.st_size), UInt32(SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE))
            guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
        }
    }

    private static func openAndCheck(_ file: String) throws -> DatabaseQueue {
        let database = try DatabaseQueue(path: file, configuration: configuration())
        // SQLite opens a file it may read but not write read-only without a word (a WAL
        // file whose -wal and -shm exist on a read-only disk): every append would fail.
        if try database.read({ db in sqlite3_db_readonly(db.sqliteConnection, "main") == 1 }) {
            throw DatabaseError(resultCode: .SQLITE_READONLY, message: "SQLite opened \(file) read-only")
        }
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
            // SQLite's page cache grows with the file up to 2 MB by default, which a daemon
            // running for months shows as RSS climbing for days; its reads are a device's
            // few newest rows, for which 512 KB of pages is plenty.
            try db.execute(sql: "PRAGMA cache_size = -512")
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
