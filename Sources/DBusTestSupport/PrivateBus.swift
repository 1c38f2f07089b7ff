public import DBus
import Foundation

/// A `dbus-daemon` of our own, so tests never touch the machine's buses.
///
/// The daemon listens on a socket in a fresh temporary directory and allows
/// everything unless a config is given (policy tests pass the real policy).
public final class PrivateBus: Sendable {
    public let address: String
    public let pid: Int32
    public let directory: String
    private let process: ChildProcess

    /// Starts a daemon; `extraConfig` is spliced into `<busconfig>` (policies,
    /// service directories), `type` is `session` or `system`.
    public init(type: String = "session", extraConfig: String? = nil) throws {
        directory = try TemporaryDirectory.make(prefix: "sonyctl-bus")
        // Other uids must reach the socket too: policy tests connect as nobody.
        chmod(directory, 0o755)
        let policy = extraConfig ?? """
            <policy context="default">
              <allow send_destination="*" eavesdrop="true"/>
              <allow eavesdrop="true"/>
              <allow own="*"/>
              <allow user="*"/>
            </policy>
            """
        let config = """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>\(type)</type>
              <listen>unix:dir=\(directory)</listen>
              <auth>EXTERNAL</auth>
              \(policy)
            </busconfig>
            """
        let configPath = directory + "/bus.conf"
        try config.write(toFile: configPath, atomically: false, encoding: .utf8)

        let process = try ChildProcess(
            "/usr/bin/dbus-daemon", ["--config-file=\(configPath)", "--nofork", "--nosyslog", "--print-address=1"], stdout: .pipe)
        self.process = process
        pid = process.pid
        guard let output = process.stdout, let line = try LineReader.readLine(from: output, within: .seconds(10)) else {
            process.kill()
            throw TestSupportError("dbus-daemon printed no address")
        }
        address = line
    }

    deinit { stop() }

    /// A fresh connection to this bus.
    public func connect() throws -> Connection { try Connection(address: address) }

    /// The environment a child process needs to find this bus as both its
    /// system and its session bus.
    public var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["DBUS_SYSTEM_BUS_ADDRESS"] = address
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        return env
    }

    /// Kills the daemon (as a crash would) and waits for it to be gone.
    public func stop() {
        guard !process.hasExited else { return }
        process.kill()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
