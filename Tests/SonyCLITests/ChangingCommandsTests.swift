import BlueZ
import DBus
import DBusTestSupport
import Foundation
import SonyService
import Locking
import Testing

/// `forget` and `repair`, polkit's refusals and Ctrl-C, through the built
/// `sonyctl` against sonyctld and the simulated BlueZ.
@Suite(.timeLimit(.minutes(1)))
struct ChangingCommandsTests {
    @Test func forgetAsksOnATerminalOnlyAndRemovesThePairing() async throws {
        let w = try await CLIWorld()
        let xm5 = CLIWorld.bluezPath(CLIWorld.xm5)
        let refused = try await w.sonyctlOnTerminal("forget WF-1000XM5", input: "n\n")
        #expect(refused.status == 130, "answered no: \(refused.stdout)")
        #expect(refused.stdout.contains("Forget WF-1000XM5 (\(CLIWorld.xm5))? ") && refused.stdout.contains("nothing was forgotten"))
        #expect(w.daemon?.bluez.tree.devices[xm5] != nil, "still paired")

        // Not a terminal: no question, as in a script.
        let piped = try await w.sonyctl("forget", "WF-1000XM5", "--json")
        #expect(piped.status == 0, "\(piped.stdout) \(piped.stderr)")
        let doc = try json(piped.stdout)
        #expect(doc["forgotten"] as? Bool == true && (doc["device"] as? [String: Any])?["address"] as? String == CLIWorld.xm5)
        try await w.until("BlueZ to forget it") { w.daemon?.bluez.tree.devices[xm5] == nil }
        #expect(try await w.property("Present", of: CLIWorld.xm5) == .boolean(false), "the daemon keeps it, absent")
    }

    @Test func polkitsRefusalIsExitFourInItsOwnWords() async throws {
        let w = try await CLIWorld(allowed: false)
        let result = try await w.sonyctl("forget", "--yes", "WH-1000XM4")
        #expect(result.status == 4)
        #expect(result.stderr.contains("not authorized to forget WH-1000XM4: polkit did not authorize org.sonyctl.manage"), "\(result.stderr)")
        #expect(result.stderr.contains("sudo"))
        let repair = try json(try await w.sonyctl("repair", "WH-1000XM4", "--json").stdout.split(separator: "\n").last.map(String.init) ?? "")
        #expect((repair["error"] as? [String: Any])?["kind"] as? String == "not-authorized")
        #expect(w.daemon?.bluez.tree.devices[CLIWorld.bluezPath(CLIWorld.xm4)]?.paired == true)
    }

    @Test func repairStreamsEachStageAsJSONLinesAndSucceeds() async throws {
        let w = try await CLIWorld()
        try await w.mock("AddDeviceInPairingMode", [
            .string("hci0"), .string(CLIWorld.xm4), .string("WH-1000XM4"), CLIWorld.xm4Properties.dbusValue, .uint32(200),
        ])
        let result = try await w.sonyctl("repair", "WH-1000XM4", "--timeout", "20", "--json")
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let events = try result.stdout.split(separator: "\n").map { try json(String($0)) }
        #expect(events.first?["event"] as? String == "started")
        #expect(events.compactMap { $0["stage"] as? String } == [
            "forgetting", "waiting-for-device", "pairing", "trusting", "connecting", "verifying", "succeeded",
        ])
        let waiting = try #require(events.first { $0["stage"] as? String == "waiting-for-device" })
        #expect((waiting["message"] as? String)?.contains("Power + Volume+") == true, "the XM4's own steps")
        let last = try #require(events.last)
        #expect(last["event"] as? String == "finished" && last["success"] as? Bool == true && last["exit_code"] as? Int == 0)
        #expect(w.daemon?.bluez.tree.devices[CLIWorld.bluezPath(CLIWorld.xm4)]?.connected == true)
    }

    @Test func aRepairThatTimesOutSaysSoInPlainLinesAndExitsEight() async throws {
        let w = try await CLIWorld()
        let result = try await w.sonyctl("repair", CLIWorld.xm4, "--timeout", "1")
        #expect(result.status == 8, "\(result.stdout) \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "Repairing WH-1000XM4 (\(CLIWorld.xm4))")
        #expect(lines.contains { $0.hasPrefix("forgetting: ") } && lines.contains { $0.hasPrefix("waiting-for-device: Put the WH-1000XM4 into pairing mode") })
        #expect(!result.stdout.contains("\r") && !result.stdout.contains("⠋"), "no spinner through a pipe")
        #expect(result.stderr.contains("did not appear within 1 s") && result.stderr.contains("pairing mode close to this computer"), "\(result.stderr)")
    }

    @Test func ctrlCCancelsTheRepairOnTheDaemon() async throws {
        let w = try await CLIWorld()
        let child = try ChildProcess(CLIWorld.sonyctl, ["repair", "WH-1000XM4", "--json"], environment: w.environment, stdout: .pipe, stderr: .null)
        let output = lines(of: try #require(child.stdout))
        let seen = Lock<[String]>([])
        try await withDeadline(.seconds(20), "the repair to wait for the device") {
            for await line in output {
                seen.withLock { $0.append(line) }
                if line.contains("\"waiting-for-device\"") { return }
            }
        }
        child.signal(SIGINT)
        let status = await child.wait()
        let rest = await readRest(output)
        #expect(ChildProcess.exitCode(status) == 130, "\(seen.withLock { $0 } + rest)")
        #expect(rest.contains { $0.contains("\"cancelling\"") }, "\(rest)")
        #expect(rest.last?.contains("\"kind\":\"cancelled\"") == true, "\(rest)")
        #expect(try await w.property("RepairState", of: CLIWorld.xm4) == .string("cancelled"))
        let sessions = try await w.mock("GetDiscoverySessions", [.string("hci0")])
        guard case .array(_, let rows)? = sessions.body.first else { Issue.record("no sessions list"); return }
        let discovering = rows.compactMap { row -> Bool? in
            guard case .structure(let fields) = row, fields.count == 3, case .boolean(let on) = fields[1] else { return nil }
            return on
        }
        #expect(discovering.count == rows.count && !discovering.contains(true), "discovery stopped: \(rows)")
    }

    func readRest(_ stream: AsyncStream<String>) async -> [String] {
        var rest: [String] = []
        for await line in stream { rest.append(line) }
        return rest
    }
}
