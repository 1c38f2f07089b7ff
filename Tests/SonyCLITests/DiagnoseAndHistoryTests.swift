import DBus
import DBusTestSupport
import Foundation
import Testing

/// `diagnose` and `history` on what sonyctld really saw, through the built `sonyctl`.
@Suite(.timeLimit(.minutes(1)))
struct DiagnoseAndHistoryTests {
    @Test func diagnoseNamesTheMissingAudioServerThenFindsNothingToDo() async throws {
        let w = try await CLIWorld()
        let broken = try await w.sonyctl("diagnose", "WH-1000XM4")
        #expect(broken.status == 20, "a step is advised: \(broken.stdout) \(broken.stderr)")
        let lines = broken.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "Diagnosis of WH-1000XM4 (\(CLIWorld.xm4))")
        #expect(lines.contains { $0.hasPrefix("  [FAIL] audio server") && $0.contains("no audio server has registered") }, "\(broken.stdout)")
        #expect(lines.contains("Next step: fix this computer"), "\(broken.stdout)")

        // What PipeWire registers: the A2DP source and HFP gateway roles.
        try await w.mock("SetProperties", [.objectPath("/org/bluez/hci0"), .string("org.bluez.Adapter1"), [
            "UUIDs": Variant(["0000110a-0000-1000-8000-00805f9b34fb", "0000111f-0000-1000-8000-00805f9b34fb"]),
        ].dbusValue])
        try await w.until("the mirror to see the roles") {
            (try? await w.sonyctl("diagnose", "WH-1000XM4", "--json"))?.stdout.contains(#"{"id":"audio-server","result":"pass""#) == true
        }
        let fixed = try await w.sonyctl("diagnose", "WH-1000XM4", "--json")
        let doc = try json(fixed.stdout)
        let checks = try #require(doc["checks"] as? [[String: Any]])
        #expect(checks.compactMap { $0["id"] as? String } == [
            "bluez", "adapter", "audio-server", "present", "paired", "trusted", "connected", "services-resolved", "audio-profile",
            "battery", "recent-drops", "bond",
        ])
        #expect(doc["step"] as? String == "none" && fixed.status == 0, "\(fixed.stdout)")
    }

    @Test func historyHasTheDropsWithTheirReasonAndATimelineOnATerminal() async throws {
        let w = try await CLIWorld()
        let xm4 = CLIWorld.bluezPath(CLIWorld.xm4)
        try await w.mock("DropConnection", [.objectPath(xm4), .string("org.bluez.Reason.Timeout"), .string(""), .boolean(true)])
        try await w.mock("RemoteConnect", [.objectPath(xm4), [String: Variant]().dbusValue])
        try await w.until("the reconnect in the history") {
            (try? await w.sonyctl("history", "WH-1000XM4", "--json"))?.stdout.contains(#""kind":"connected""#) == true
        }
        let doc = try json(try await w.sonyctl("history", "WH-1000XM4", "--json").stdout)
        let events = try #require(doc["events"] as? [[String: Any]])
        let drop = try #require(events.first { $0["kind"] as? String == "disconnected" })
        #expect((drop["details"] as? [String: Any])?["reason"] as? String == "timeout", "\(drop)")
        let times = events.compactMap { $0["time_us"] as? Int }
        #expect(times == times.sorted() && times.count == events.count, "oldest first, every event timed")

        let piped = try await w.sonyctl("history", "WH-1000XM4")
        #expect(piped.stdout.contains("disconnected") && piped.stdout.contains("link lost (timeout)"), "\(piped.stdout)")
        #expect(!piped.stdout.contains("  link      "), "no timeline through a pipe")
        let terminal = try await w.sonyctlOnTerminal("history WH-1000XM4", extra: ["NO_COLOR": "1"])
        #expect(terminal.stdout.contains("  link      ") && terminal.stdout.contains("  drops     ") && terminal.stdout.contains("▼"), "\(terminal.stdout)")
        #expect(terminal.stdout.contains("2 connects, 1 drops over"), "the first connect and the reconnect: \(terminal.stdout)")
    }
}
