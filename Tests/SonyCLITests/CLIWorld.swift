import DBus
import DBusTestSupport
import Foundation
import SonyCore
import SonyService
import Locking

/// A machine for `sonyctl` to run on: a private system bus with the
/// simulated BlueZ and polkitd, sonyctld in this process, and the built
/// `sonyctl` binary run as a child process pointed at that bus.
final class CLIWorld: Sendable {
    static let xm4 = "AC:80:0A:11:22:33"
    static let xm5 = "F8:4E:17:55:66:77"
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let catalogue = root.appendingPathComponent("config/models.yaml").path
    /// Built beside the test bundle by `swift build --build-tests`.
    static let binaries: URL = {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent()
    }()
    /// The front users run: `list` itself, everything else exec'd to the full tool.
    static let sonyctl = binaries.appendingPathComponent("sonyctl").path
    /// The full tool, which the front execs from beside itself.
    static let fullTool = binaries.appendingPathComponent("sonyctl-cli").path
    static let xm4Properties: [String: Variant] = [
        "Modalias": Variant("usb:v054Cp0D58d0301"), "Class": Variant(UInt32(0x240404)),
        "UUIDs": Variant(["0000110b-0000-1000-8000-00805f9b34fb", "0000111e-0000-1000-8000-00805f9b34fb", "96CC203E-5068-46AD-B32D-E316F5E069BA"]),
    ]

    let bus: PrivateBus
    let bluez: DBusMock
    let polkit: DBusMock
    let control: Connection
    let daemon: SonyDaemon?
    private let runner: Task<Void, any Error>?

    /// `daemon: false` leaves org.sonyctl.Daemon1 unowned.
    init(daemon withDaemon: Bool = true, allowed: Bool = true) async throws {
        bus = try PrivateBus(type: "system")
        bluez = try await DBusMock.template(Self.root.appendingPathComponent("Tests/Mocks/sony_bluez.py").path, name: "org.bluez", on: bus)
        polkit = try await DBusMock.template("polkitd", name: "org.freedesktop.PolicyKit1", on: bus)
        let control = try bus.connect()
        self.control = control
        _ = try await control.call(destination: "org.bluez", path: "/", interface: "org.bluez.Mock", member: "AddAdapter", [.string("hci0"), .string("test")])
        let linked: [String: Variant] = ["Paired": Variant(true), "Trusted": Variant(true), "Connected": Variant(true), "ServicesResolved": Variant(true)]
        let xm4 = try await Self.addDevice(Self.xm4, "WH-1000XM4", Self.xm4Properties.merging(linked) { $1 }, via: control)
        try await Self.mock("AddLETwin", [.objectPath(xm4), .string("AC:80:0A:11:22:34"), [String: Variant]().dbusValue], via: control)
        try await Self.mock("SetBattery", [.objectPath(xm4), .byte(72)], via: control)
        try await Self.addDevice(Self.xm5, "WF-1000XM5", [
            "Modalias": Variant("usb:v054Cp0E63d0201"), "Paired": Variant(true), "Trusted": Variant(true),
        ], via: control)
        try await Self.addDevice("00:1A:7D:DA:71:13", "JBL Tune 760NC", ["Paired": Variant(true)], via: control)
        if allowed {
            _ = try await control.call(
                destination: "org.freedesktop.PolicyKit1", path: "/org/freedesktop/PolicyKit1/Authority",
                interface: "org.freedesktop.DBus.Mock", member: "SetAllowed", [.array(.string, [.string(DaemonNames.manageAction)])])
        }
        guard withDaemon else {
            daemon = nil
            runner = nil
            return
        }
        let daemon = SonyDaemon(
            connection: try bus.connect(), catalogue: try ModelCatalogue.load(contentsOf: Self.catalogue),
            configuration: DaemonConfiguration(repair: RepairPolicy(retryDelay: .milliseconds(20), verifyTimeout: .seconds(2))),
            history: try HistoryStore(directory: nil, logger: SonyDaemon.silent))
        self.daemon = daemon
        runner = Task { try await daemon.run() }
        try await waitForOwner(of: DaemonNames.busName, on: control, within: .seconds(10))
        try await until("both Sony devices exported") { daemon.records.count == 2 }
    }

    deinit { runner?.cancel() }

    static func bluezPath(_ address: String) -> ObjectPath {
        ObjectPath(unchecked: "/org/bluez/hci0/dev_" + address.replacingOccurrences(of: ":", with: "_"))
    }

    @discardableResult
    func addDevice(_ address: String, _ name: String, _ properties: [String: Variant]) async throws -> ObjectPath {
        try await Self.addDevice(address, name, properties, via: control)
    }

    /// One of the simulation's control methods (`org.sonyctl.Mock` on `/`).
    @discardableResult
    func mock(_ method: MemberName, _ arguments: [DBusValue] = []) async throws -> Message {
        try await Self.mock(method, arguments, via: control)
    }

    @discardableResult
    static func addDevice(_ address: String, _ name: String, _ properties: [String: Variant], via control: Connection) async throws -> ObjectPath {
        try await mock("AddSonyDevice", [.string("hci0"), .string(address), .string(name), properties.dbusValue], via: control).decode(ObjectPath.self)
    }

    @discardableResult
    static func mock(_ method: MemberName, _ arguments: [DBusValue], via control: Connection) async throws -> Message {
        try await control.call(destination: "org.bluez", path: "/", interface: "org.sonyctl.Mock", member: method, arguments)
    }

    /// The device of `address` as the daemon exports it.
    func property(_ name: String, of address: String) async throws -> DBusValue? {
        guard let path = DaemonNames.devicePath(for: address) else { return nil }
        let reply = try await control.call(
            destination: DaemonNames.busName, path: path, interface: .properties, member: "Get",
            [.string(DaemonNames.deviceInterface.rawValue), .string(name)])
        return try reply.decode(Variant.self).value
    }

    /// The environment `sonyctl` runs in: this bus, no colour preference.
    var environment: [String: String] {
        var env = bus.environment
        env.removeValue(forKey: "NO_COLOR")
        env["TERM"] = "xterm"
        return env
    }

    /// Runs `sonyctl` to its end (within 30 s).
    func sonyctl(_ arguments: String..., environment extra: [String: String] = [:]) async throws -> CommandResult {
        try await run([Self.sonyctl] + arguments, environment: environment.merging(extra) { $1 }, seconds: 30)
    }

    /// Runs the full tool, `sonyctl-cli`, straight, as the front would exec it.
    func fullTool(_ arguments: String..., environment extra: [String: String] = [:]) async throws -> CommandResult {
        try await run([Self.fullTool] + arguments, environment: environment.merging(extra) { $1 }, seconds: 30)
    }

    /// Runs `sonyctl` (or `program`) on a pseudo-terminal (util-linux `script`), typing `input`.
    func sonyctlOnTerminal(
        _ command: String, input: String = "", extra: [String: String] = [:], program: String = CLIWorld.sonyctl
    ) async throws -> CommandResult {
        try await runWithInput(
            ["/usr/bin/timeout", "30", "/usr/bin/script", "-qec", "\(program) \(command)", "/dev/null"],
            input: input, environment: environment.merging(extra) { $1 })
    }

    func until(_ what: String, within limit: Duration = .seconds(15), _ condition: @escaping @Sendable () async -> Bool) async throws {
        try await withDeadline(limit, what) {
            while await !condition() { try await Task.sleep(for: .milliseconds(10)) }
        }
    }
}

/// Runs a command with `input` on its standard input, to its end.
func runWithInput(_ arguments: [String], input: String, environment: [String: String]) async throws -> CommandResult {
    let child = try ChildProcess(arguments[0], Array(arguments.dropFirst()), environment: environment, stdin: .pipe, stdout: .pipe, stderr: .pipe)
    if let fd = child.stdin {
        // The terminal echoes and the program reads only once it asks: a
        // short pause before typing is what a person's reaction time gives.
        let bytes = Array(input.utf8)
        Thread {
            usleep(300_000)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }.start()
    }
    async let out = readToEnd(child.stdout)
    async let err = readToEnd(child.stderr)
    let (stdout, stderr) = await (out, err)
    let status = await child.wait()
    return CommandResult(
        status: ChildProcess.exitCode(status), stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}

/// Lines a running child prints, as they come.
func lines(of fd: Int32) -> AsyncStream<String> {
    AsyncStream { continuation in
        Thread {
            var buffer: [UInt8] = []
            var byte: UInt8 = 0
            while read(fd, &byte, 1) == 1 {
                if byte == UInt8(ascii: "\n") {
                    continuation.yield(String(decoding: buffer, as: UTF8.self))
                    buffer = []
                } else {
                    buffer.append(byte)
                }
            }
            continuation.finish()
        }.start()
    }
}

/// A JSON document from `sonyctl`, for looking into.
func json(_ text: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    guard let dictionary = object as? [String: Any] else { throw TestSupportError("not a JSON object: \(text)") }
    return dictionary
}
