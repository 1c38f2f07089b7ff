import DBus
import DBusTestSupport
import Foundation
import SonyService
import Locking
import Testing

/// `watch`, the daemon or the bus being absent, bad arguments and what a
/// terminal gets, through the built `sonyctl`.
@Suite(.timeLimit(.minutes(1)))
struct WatchAndFailureTests {
    @Test func watchStreamsDropsBatteryAndReconnectsAsJSONLines() async throws {
        let w = try await CLIWorld()
        let child = try ChildProcess(CLIWorld.sonyctl, ["watch", "--json"], environment: w.environment, stdout: .pipe, stderr: .pipe)
        let output = lines(of: try #require(child.stdout))
        // stderr says when the subscription is in place.
        let banner = lines(of: try #require(child.stderr))
        _ = try await first(banner, within: .seconds(30), "watch to start")
        let xm4 = CLIWorld.bluezPath(CLIWorld.xm4)
        try await w.mock("DropConnection", [.objectPath(xm4), .string("org.bluez.Reason.Timeout"), .string(""), .boolean(true)])
        try await w.mock("SetBattery", [.objectPath(xm4), .byte(41)])
        try await w.mock("RemoteConnect", [.objectPath(xm4), [String: Variant]().dbusValue])
        let seen = try await withDeadline(.seconds(30), "disconnected, battery and connected") { () -> [String] in
            var kinds: [String] = []
            for await line in output {
                guard let doc = try? json(line), let kind = doc["event"] as? String else { continue }
                kinds.append(kind)
                if kinds.contains("connected") { return kinds }
            }
            return kinds
        }
        child.signal(SIGINT)
        _ = await child.wait()
        #expect(seen == ["disconnected", "battery", "connected"], "\(seen)")
    }

    @Test func watchReportsAFlappingPatternWithItsAdvice() async throws {
        let w = try await CLIWorld()
        let child = try ChildProcess(CLIWorld.sonyctl, ["watch", "--json", CLIWorld.xm4], environment: w.environment, stdout: .pipe, stderr: .pipe)
        let output = lines(of: try #require(child.stdout))
        _ = try await first(lines(of: try #require(child.stderr)), within: .seconds(30), "watch to start")
        let xm4 = CLIWorld.bluezPath(CLIWorld.xm4)
        for _ in 0..<3 {
            try await w.mock("DropConnection", [.objectPath(xm4), .string("org.bluez.Reason.Timeout"), .string(""), .boolean(true)])
            try await w.mock("RemoteConnect", [.objectPath(xm4), [String: Variant]().dbusValue])
        }
        let line = try await first(output, within: .seconds(30), "the pattern line") { $0.contains(#""event":"pattern""#) }
        child.signal(SIGTERM)
        _ = await child.wait()
        let doc = try json(line)
        #expect(doc["pattern"] as? String == "flapping" && doc["count"] as? Int == 3, "\(line)")
        #expect((doc["advice"] as? String)?.isEmpty == false && doc["window_seconds"] as? Int == 600, "\(line)")
    }

    @Test func withoutBlueZListWarnsAndForgetSaysHowToStartIt() async throws {
        let w = try await CLIWorld()
        w.bluez.kill()
        try await w.until("the daemon to see bluetoothd gone") {
            (try? await w.sonyctl("list", "--json"))?.stdout.contains(#""bluez_available":false"#) == true
        }
        let list = try await w.sonyctl("list")
        #expect(list.status == 0 && list.stdout.contains(CLIWorld.xm4), "what sonyctld last saw")
        #expect(list.stderr.contains("BlueZ is not running") && list.stderr.contains("systemctl start bluetooth"), "\(list.stderr)")
        let forget = try await w.sonyctl("forget", "--yes", "WH-1000XM4")
        #expect(forget.status == 6, "\(forget.stderr)")
        #expect(forget.stderr.contains("BlueZ is not available") && forget.stderr.contains("systemctl start bluetooth"), "\(forget.stderr)")
    }

    @Test func watchLinesCarryTheDeviceAndTheFacts() async throws {
        let w = try await CLIWorld()
        let child = try ChildProcess(CLIWorld.sonyctl, ["watch", "--json", "WH-1000XM4"], environment: w.environment, stdout: .pipe, stderr: .pipe)
        let output = lines(of: try #require(child.stdout))
        _ = try await first(lines(of: try #require(child.stderr)), within: .seconds(30), "watch to start")
        try await w.mock("SetBattery", [.objectPath(CLIWorld.bluezPath(CLIWorld.xm4)), .byte(33)])
        let line = try await first(output, within: .seconds(30), "the battery line")
        child.signal(SIGINT)
        _ = await child.wait()
        let doc = try json(line)
        #expect(doc["event"] as? String == "battery" && doc["battery"] as? Int == 33, "\(line)")
        #expect(doc["address"] as? String == CLIWorld.xm4 && doc["model"] as? String == "WH-1000XM4")
        #expect((doc["time_us"] as? Int ?? 0) > 1_700_000_000_000_000)
    }

    @Test func withoutTheDaemonEveryDaemonCommandSaysHowToStartIt() async throws {
        let w = try await CLIWorld(daemon: false)
        for command in [["list"], ["status", "WH-1000XM4"], ["repair", "WH-1000XM4"], ["history", "x"], ["diagnose", "x"], ["watch"]] {
            let result = try await run([CLIWorld.sonyctl] + command, environment: w.environment, seconds: 20)
            #expect(result.status == 5, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("sonyctld is not running") && result.stderr.contains("systemctl start sonyctld"), "\(command): \(result.stderr)")
        }
        let doc = try json(try await w.sonyctl("list", "--json").stdout)
        let error = try #require(doc["error"] as? [String: Any])
        #expect(error["kind"] as? String == "daemon-not-running" && error["exit_code"] as? Int == 5)
    }

    @Test func withoutABusTheMessageSaysSo() async throws {
        let result = try await run(
            [CLIWorld.sonyctl, "list"], environment: ["DBUS_SYSTEM_BUS_ADDRESS": "unix:path=/nonexistent/socket", "PATH": "/usr/bin:/bin"], seconds: 20)
        #expect(result.status == 5)
        #expect(result.stderr.contains("/nonexistent/socket") && result.stderr.contains("systemctl status dbus"), "\(result.stderr)")
    }

    @Test(arguments: [
        ["frobnicate"], ["repair"], ["repair", "x", "--timeout", "0"], ["repair", "x", "--timeout", "601"],
        ["history", "x", "--since", "last tuesday"], ["history", "x", "--limit", "-1"], ["guide", "WH-1000XM4", "--tier", "hard"],
        ["list", "extra"], ["status"],
    ])
    func badArgumentsAreAUsageErrorNeverATrap(arguments: [String]) async throws {
        let result = try await run([CLIWorld.sonyctl] + arguments, environment: ["PATH": "/usr/bin:/bin"], seconds: 20)
        #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
        #expect(result.stderr.contains("Usage: sonyctl") || result.stderr.contains("USAGE: sonyctl"), "\(arguments): \(result.stderr)")
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"))
    }

    @Test func aTerminalGetsColourAndNO_COLORTakesItAway() async throws {
        let w = try await CLIWorld()
        let coloured = try await w.sonyctlOnTerminal("list")
        #expect(coloured.status == 0)
        #expect(coloured.stdout.contains("\u{1B}[32mconnected"), "green on a terminal: \(coloured.stdout.debugDescription)")
        let plain = try await w.sonyctlOnTerminal("list", extra: ["NO_COLOR": "1"])
        #expect(plain.stdout.contains("connected") && !plain.stdout.contains("\u{1B}["), "\(plain.stdout.debugDescription)")
    }

    @Test func aRepairOnATerminalShowsTheInstructionsAndASpinner() async throws {
        let w = try await CLIWorld()
        let result = try await w.sonyctlOnTerminal("repair WH-1000XM4 --timeout 1", extra: ["NO_COLOR": "1"])
        #expect(result.status == 8)
        #expect(result.stdout.contains("  ┃ Put the WH-1000XM4 into pairing mode now"), "\(result.stdout.debugDescription)")
        #expect(result.stdout.contains("✓ forgetting the old pairing"))
        #expect(result.stdout.contains("waiting for the device in pairing mode  0 s of 1 s"), "the spinner's elapsed time")
        #expect(result.stdout.contains("✗ waiting for the device in pairing mode"))
    }
}
