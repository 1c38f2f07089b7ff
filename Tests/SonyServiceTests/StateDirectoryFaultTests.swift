import DBus
import DBusTestSupport
import Foundation
import SonyService
import Testing

extension FaultTests {
    /// The state directory read-only or full, on a real file system: a size-limited tmpfs
    /// mounted for the test (so root only; CI runs as root). Root ignores permission bits,
    /// so chmod would prove nothing; a read-only mount and a full one refuse root too.
    @Suite(.timeLimit(.minutes(1)), .enabled(if: getuid() == 0, "mounts a tmpfs"))
    struct StateDirectoryFaultTests {
        typealias World = DaemonProcessTests.World

        /// After a clean stop the file is all there is; after a SIGKILL its -wal and -shm too.
        @Test(arguments: [SIGTERM, SIGKILL])
        func aReadOnlyStateDirectoryStillServesItsHistoryAndSaysSo(stoppedBy signal: Int32) async throws {
            let world = try await World()
            let state = try await Tmpfs.mount(size: "4m")
            let before = try await Self.historyOnDisk(world, state, stoppedBy: signal)

            try await state.remount(readOnly: true)
            let second = try await world.started(DaemonProcess(bus: world.bus, stateDirectory: state.path))
            #expect(try await BusLossTests.rows(world) == before, "the history on the read-only disk, served")
            try await world.reconnect()
            try await world.until("the reconnect seen") { (try? await world.property("Connected")) == .boolean(true) }
            try await world.drop()
            try await world.until("a drop counted") { (try? await world.property("DisconnectsLastHour")) == .uint32(2) }
            let kinds = try await world.historyKinds()
            #expect(kinds == ["connected", "disconnected", "connected", "disconnected"], "new events kept in memory: \(kinds)")
            second.child.signal(SIGTERM)
            let (code, log) = try await second.exit()
            #expect(code == 0)
            #expect(log.contains("read-only file system"), "one clear line at start: \(log)")
            #expect(!log.contains("moved aside") && !log.contains("could not record"), "\(log)")
            #expect(try Self.brokenFiles(state).isEmpty, "nothing moved aside")
        }

        /// A full disk at start says nothing about the file: it must not be moved aside as
        /// broken (where the history would be lost to the user), and its events are served.
        @Test func aFullStateDirectoryAtStartLeavesTheHistoryWhereItIsAndServesIt() async throws {
            let world = try await World()
            let state = try await Tmpfs.mount(size: "2m")
            let before = try await Self.historyOnDisk(world, state, stoppedBy: SIGTERM)
            let filler = try state.fill()
            defer { unlink(filler) }

            let second = try await world.started(DaemonProcess(bus: world.bus, stateDirectory: state.path))
            #expect(try await BusLossTests.rows(world) == before, "the history on the full disk, served")
            second.child.signal(SIGTERM)
            let (code, log) = try await second.exit()
            #expect(code == 0)
            #expect(log.contains("disk is full"), "\(log)")
            #expect(!log.contains("moved aside"), "\(log)")
            #expect(try Self.brokenFiles(state).isEmpty, "nothing moved aside")
            #expect(access(state.path + "/history.sqlite", F_OK) == 0)
        }

        /// A first run records a connect and a drop on `state`, then stops by `signal`.
        static func historyOnDisk(_ world: World, _ state: Tmpfs, stoppedBy signal: Int32) async throws -> [[DBusValue]] {
            let first = try await world.started(DaemonProcess(bus: world.bus, stateDirectory: state.path))
            try await world.drop()
            try await world.until("the drop recorded") { (try? await world.property("DisconnectsLastHour")) == .uint32(1) }
            let rows = try await BusLossTests.rows(world)
            first.child.signal(signal)
            #expect(try await first.exit().code == (signal == SIGTERM ? 0 : 128 + signal))
            return rows
        }

        static func brokenFiles(_ state: Tmpfs) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: state.path).filter { $0.contains(".broken-") }
        }

        @Test func aFullStateDirectoryKeepsServingAndRecordsAgainOnceThereIsRoom() async throws {
            let world = try await World()
            let state = try await Tmpfs.mount(size: "2m")
            let daemon = try await world.started(DaemonProcess(bus: world.bus, stateDirectory: state.path))
            try await world.drop()
            try await world.until("the first drop") { (try? await world.property("DisconnectsLastHour")) == .uint32(1) }
            try await world.reconnect()
            try await world.until("the reconnect") { (try? await world.property("Connected")) == .boolean(true) }

            let filler = try state.fill()
            try await world.drop()
            try await world.until("a drop while full") { (try? await world.property("DisconnectsLastHour")) == .uint32(2) }
            let kinds = try await world.historyKinds()
            #expect(kinds.starts(with: ["connected", "disconnected", "connected"]), "what is on disk is still read: \(kinds)")
            #expect(try await world.property("Health") == .string("ok"), "the watch goes on")

            unlink(filler)
            try await world.reconnect()
            try await world.until("the reconnect after") { (try? await world.property("Connected")) == .boolean(true) }
            // The last row was a connect already (the drop while full is not on disk): wait for a fourth.
            try await world.until("recorded again") { (try? await world.historyKinds().count) == 4 }
            #expect(try await world.historyKinds() == ["connected", "disconnected", "connected", "connected"],
                    "the drop the full disk refused is the only one missing")
            daemon.child.signal(SIGTERM)
            let (code, log) = try await daemon.exit()
            #expect(code == 0, "\(log)")
            #expect(log.contains("disk is full"), "the log says why: \(log)")
        }
    }
}

/// A tmpfs of `size` on a fresh directory, lazily unmounted when dropped.
final class Tmpfs: Sendable {
    let path: String

    private init(path: String) { self.path = path }

    static func mount(size: String) async throws -> Tmpfs {
        let path = try TemporaryDirectory.make(prefix: "sonyctld-tmpfs")
        try await mount(["-t", "tmpfs", "-o", "size=\(size),mode=0700", "tmpfs", path])
        return Tmpfs(path: path)
    }

    deinit {
        (try? ChildProcess("/usr/bin/umount", ["-l", path], stdout: .null, stderr: .null))?.waitBlocking()
    }

    /// Read-only (or back): refused by the kernel while a file in it is open for writing.
    func remount(readOnly: Bool) async throws {
        try await Self.mount(["-o", "remount," + (readOnly ? "ro" : "rw"), path])
    }

    /// Writes a file until the file system is full; returns its path.
    func fill() throws -> String {
        let file = path + "/filler"
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw TestSupportError("open \(file): errno \(errno)") }
        defer { close(fd) }
        let block = [UInt8](repeating: 0xA5, count: 4096)
        while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        guard errno == ENOSPC else { throw TestSupportError("filling \(file): errno \(errno)") }
        return file
    }

    private static func mount(_ arguments: [String]) async throws {
        let result = try await run(["/usr/bin/mount"] + arguments)
        guard result.status == 0 else { throw TestSupportError("mount \(arguments.joined(separator: " ")): \(result.stderr)") }
    }
}
