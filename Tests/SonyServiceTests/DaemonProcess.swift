import DBus
import DBusTestSupport
import Foundation
import SonyService

/// The built `sonyctld` as a child process, on a private bus, with a state directory of
/// its own: what systemd runs, started the way systemd would.
final class DaemonProcess: Sendable {
    /// `.build/<triple>/debug`, where `swift build --build-tests` put `sonyctld`.
    static let binaries: String = {
        let test = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: test.appendingPathComponent("sonyctld").path) { return test.path }
        return SonyBlueZ.root.appendingPathComponent(".build/debug").path
    }()

    let child: ChildProcess
    let stateDirectory: String
    /// Read from the start, so a chatty daemon never blocks on a full pipe.
    private let log: Task<[UInt8], Never>

    init(
        bus: PrivateBus, stateDirectory: String? = nil, arguments: [String] = [], environment: [String: String] = [:],
        stderr: ChildProcess.Stream = .pipe
    ) throws {
        let state = try stateDirectory ?? TemporaryDirectory.make(prefix: "sonyctld-state")
        self.stateDirectory = state
        child = try ChildProcess(
            Self.binaries + "/sonyctld", ["--state-dir", state] + arguments,
            environment: bus.environment.merging(environment) { $1 }, stdout: .null, stderr: stderr)
        let fd = child.stderr
        log = Task { await readToEnd(fd) }
    }

    deinit { child.kill() }

    /// Waits for the process to end and returns its exit code and what it logged.
    func exit(within limit: Duration = .seconds(30)) async throws -> (code: Int32, log: String) {
        let child = child
        let status = try await withDeadline(limit, "sonyctld to exit") { await child.wait() }
        return (ChildProcess.exitCode(status), String(decoding: await log.value, as: UTF8.self))
    }
}
