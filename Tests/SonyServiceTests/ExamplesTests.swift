import DBus
import DBusTestSupport
import Foundation
import SonyService
import Testing

/// The desktop scripts in examples/ against the daemon, with python-dbusmock's
/// notification daemon standing in for the desktop's and the real notify-send.
@Suite(.timeLimit(.minutes(1)))
struct ExamplesTests {
    static let examples = SonyBlueZ.root.appendingPathComponent("examples").path

    /// `(summary, body)` of every notification so far.
    static func notifications(_ f: RepairFixture) async throws -> [(summary: String, body: String)] {
        let reply = try await f.client.call(
            destination: "org.freedesktop.Notifications", path: "/org/freedesktop/Notifications",
            interface: "org.freedesktop.DBus.Mock", member: "GetMethodCalls", [.string("Notify")])
        return RepairFixture.rows(reply).compactMap { call in
            guard call.count == 2, case .array(_, let args) = call[1], args.count >= 5,
                  case .variant(.string(let summary)) = args[3], case .variant(.string(let body)) = args[4] else { return nil }
            return (summary, body)
        }
    }

    /// Starts an example and waits until it says (on stderr) that it is listening.
    static func start(_ command: [String], listening: String, _ f: RepairFixture) async throws -> ChildProcess {
        let child = try ChildProcess(command[0], Array(command.dropFirst()), environment: f.bus.environment, stdout: .null, stderr: .pipe)
        guard let fd = child.stderr else { throw TestSupportError("no stderr") }
        try await LineReader.waitForLine(containing: listening, from: fd, within: .seconds(15))
        return child
    }

    static func flapThenFailARepair(_ f: RepairFixture) async throws {
        for _ in 0..<3 {
            try await f.drop()
            try await f.until("the drop") { (try? await f.property("Connected")) == .boolean(false) }
            try await f.reconnect()
            try await f.until("the reconnect") { (try? await f.property("Connected")) == .boolean(true) }
        }
        _ = try await f.repairError(["Timeout": Variant(UInt32(1))])
    }

    @Test(arguments: [
        (["/bin/sh", examples + "/sonyctl-notify.sh"], "The name org.sonyctl.Daemon1 is owned by"),
        (["/usr/bin/python3", examples + "/sonyctl_notify.py"], "listening"),
    ])
    func aFlappingHeadsetAndAFailedRepairBecomeNotifications(command: [String], listening: String) async throws {
        let f = try await RepairFixture()
        let notifier = try await DBusMock.template("notification_daemon", name: "org.freedesktop.Notifications", on: f.bus, system: false)
        let example = try await Self.start(command, listening: listening, f)
        defer { example.kill() }
        try await Self.flapThenFailARepair(f)
        try await f.until("three notifications") { (try? await Self.notifications(f).count) ?? 0 >= 3 }
        let shown = try await Self.notifications(f)
        let flapping = try #require(shown.first { $0.summary == "AA:BB:CC:DD:EE:01: flapping" }, "\(shown)")
        #expect(flapping.body.hasPrefix("WH-1000XM4 dropped 3 times in 10 minutes."), "\(flapping.body)")
        #expect(shown.contains { $0.summary == "AA:BB:CC:DD:EE:01: short-sessions" }, "\(shown)")
        let failed = try #require(shown.first { $0.summary == "AA:BB:CC:DD:EE:01: repair failed" }, "\(shown)")
        #expect(failed.body.contains("did not appear within 1 s"), "\(failed.body)")
        _ = notifier
    }
}
