import DBus
import SonyClient
import Testing
@testable import SonyCLI
import SonyCLIOutput

/// Rendering from values made here: the timeline, history rows, diagnosis,
/// watch lines and the words of `--since`.
@Suite struct RenderingTests {
    static let t0: UInt64 = 1_800_000_000_000_000
    static let minute: UInt64 = 60_000_000

    func event(_ minutes: UInt64, _ kind: String, _ details: [String: Variant] = [:]) -> HistoryEvent {
        HistoryEvent(time: Self.t0 + minutes * Self.minute, kind: kind, details: details)
    }

    @Test func theTimelineShowsLinkDropsAndBatteryAtAGlance() {
        let events = [
            event(0, "connected", ["battery": Variant(Int32(90))]),
            event(4, "disconnected", ["reason": Variant("timeout")]),
            event(5, "connected"),
            event(6, "battery", ["battery": Variant(Int32(50))]),
            event(7, "disconnected"),
            HistoryEvent(time: Self.t0 + 7 * Self.minute + Self.minute / 2, kind: "connected"),
            HistoryEvent(time: Self.t0 + 7 * Self.minute + 3 * Self.minute / 4, kind: "disconnected"),
            event(8, "pattern", ["pattern": Variant("flapping")]),
            event(9, "battery", ["battery": Variant(Int32(10))]),
        ]
        let t = Timeline(events, from: Self.t0, to: Self.t0 + 10 * Self.minute, width: 10)
        #expect(t.link == "████·██▒··")
        #expect(t.drops == "    ▼  2! ")
        #expect(Array(t.battery) == ["█", "█", "█", "█", "█", "█", "▄", "▄", "▄", "▁"])
        #expect(t.connects == 3 && t.disconnects == 3)
        #expect(t.batteryRange?.first == 90 && t.batteryRange?.last == 10)
    }

    @Test func aDropFirstMeansItWasConnectedBefore() {
        let t = Timeline([event(2, "disconnected")], from: Self.t0, to: Self.t0 + 4 * Self.minute, width: 4)
        #expect(t.link == "██··")
        #expect(Timeline([], from: Self.t0, to: Self.t0 + Self.minute, width: 3).link == "   ", "nothing known, nothing drawn")
    }

    @Test func noTimeFromTheDaemonCanTrapTheTimeline() {
        let events = [event(0, "connected"), HistoryEvent(time: .max, kind: "disconnected", details: ["battery": Variant(Int32(300))])]
        let t = Timeline(events, from: Self.t0, to: .max, width: 40)
        #expect(t.link.count == 40 && t.drops.last == "▼" && t.batteryRange == nil)
        #expect(HistoryText.timeline(events, from: .max, to: 0, on: .plain).count == 5, "an end before the start")
    }

    @Test func historyRowsSayWhatEachKindsDetailsMean() {
        #expect(HistoryText.details(event(0, "disconnected", [
            "reason": Variant("remote"), "session_us": Variant(UInt64(14 * Self.minute)), "battery": Variant(Int32(20)), "future_key": Variant(true),
        ])) == "by the headset, after 14 min, battery 20%")
        #expect(HistoryText.details(event(0, "connected", ["adapter": Variant("hci0"), "rssi": Variant(Int16(-61))])) == "on hci0, RSSI -61 dBm")
        #expect(HistoryText.details(event(0, "pattern", [
            "pattern": Variant("flapping"), "count": Variant(UInt32(3)), "window_seconds": Variant(UInt32(600)), "advice": Variant("Soft reset."),
        ])) == "flapping: 3 drops in 10 min, Soft reset.")
        #expect(HistoryText.details(event(0, "battery", ["battery": Variant(Int32(42))])) == "42%")
        #expect(HistoryText.details(event(0, "repair-failed", ["step": Variant("pairing"), "error": Variant("org.sonyctl.Daemon1.Error.PairingFailed")]))
            == "while pairing, org.sonyctl.Daemon1.Error.PairingFailed")
        let doc = HistoryText.json(event(1, "connected", ["rssi": Variant(Int16(-50)), "adapter": Variant("hci0")])).text
        #expect(doc == #"{"time_us":1800000060000000,"kind":"connected","details":{"adapter":"hci0","rssi":-50}}"#)
    }

    static let device = try! DeviceSnapshot(path: "/org/sonyctl/Daemon1/devices/dev_AA", properties: [
        "Address": Variant("AA:BB:CC:DD:EE:01"), "Name": Variant("WH-1000XM4"), "Model": Variant("WH-1000XM4"),
    ])

    @Test func aDiagnosisListsEveryCheckAndTheStepWithItsCommand() {
        let d = Diagnosis(step: "network-reset", advice: "Forget it and pair again: 1. Turn the headphones off.", checks: [
            .init(id: "bluez", result: "pass", detail: "bluetoothd is running"),
            .init(id: "audio-server", result: "fail", detail: "no audio server registered the A2DP and HFP roles"),
            .init(id: "bond", result: "warn", detail: "authentication failed twice"),
            .init(id: "battery", result: "skip", detail: "not connected"),
            .init(id: "new-check", result: "unknown", detail: "from a newer daemon"),
        ])
        let lines = DiagnosisText.lines(d, device: Self.device, on: .plain)
        #expect(lines[0] == "Diagnosis of WH-1000XM4 (AA:BB:CC:DD:EE:01)")
        #expect(lines[1] == "  [pass] BlueZ         bluetoothd is running")
        #expect(lines[2] == "  [FAIL] audio server  no audio server registered the A2DP and HFP roles")
        #expect(lines[3].hasPrefix("  [warn] bond") && lines[4].hasPrefix("  [skip] battery") && lines[5].hasPrefix("  [ ?? ] new-check"))
        #expect(lines.contains("Next step: network reset"))
        #expect(lines.contains("  Forget it and pair again: 1. Turn the headphones off."))
        #expect(lines.contains { $0.contains("`sonyctl repair AA:BB:CC:DD:EE:01`") && $0.contains("`sonyctl guide WH-1000XM4 --tier network`") })
        let json = DiagnosisText.json(d, device: Self.device).text
        #expect(json.contains(#""step":"network-reset""#) && json.contains(#"{"id":"bond","result":"warn","detail":"authentication failed twice"}"#))
    }

    @Test func aDaemonWithoutDiagnoseIsTooOldNotBroken() {
        let failure = Failure(ClientError(DBusError(.unknownMethod, "org.sonyctl.Daemon1.Device has no method Diagnose")), action: "diagnose")
        #expect(failure.status == .daemonIncompatible && failure.status.rawValue == 11)
        #expect(failure.message == "this sonyctld is too old for diagnose (org.sonyctl.Daemon1.Device has no method Diagnose)")
    }

    @Test func watchSaysWhatChangedFromWhat() throws {
        var feed = WatchFeed(devices: [Self.device])
        let path = Self.device.path
        #expect(try feed.items(for: .deviceChanged(device: path, changed: ["Connected": Variant(true), "Adapter": Variant("hci0")]), now: 1).map(\.text) == ["connected on hci0"])
        let drop = try feed.items(for: .deviceChanged(device: path, changed: ["Connected": Variant(false), "DisconnectsLastHour": Variant(UInt32(2))]), now: 2)
        #expect(drop.map(\.event) == ["disconnected"] && drop.first?.json.text.contains(#""disconnects_last_hour":2"#) == true)
        #expect(try feed.items(for: .deviceChanged(device: path, changed: ["RepairState": Variant("pairing")]), now: 3).isEmpty, "repair progress has its own signal")
        #expect(try feed.items(for: .deviceChanged(device: "/elsewhere", changed: ["Connected": Variant(true)]), now: 4).isEmpty)
        #expect(throws: ClientError.self) { try feed.items(for: .deviceChanged(device: path, changed: ["Battery": Variant("full")]), now: 5) }
        var one = WatchFeed(devices: [Self.device], only: "/other")
        #expect(try one.items(for: .disconnectPattern(device: path, kind: "flapping", count: 3, windowSeconds: 600, advice: "x"), now: 6).isEmpty)
    }

    @Test func sinceTakesALengthOfTimeOrALocalTime() throws {
        #expect(Since(argument: "90s")?.value == .ago(seconds: 90))
        #expect(Since(argument: "2h")?.micros(now: 10_000_000_000) == 10_000_000_000 - 7_200_000_000)
        #expect(Since(argument: "1w")?.value == .ago(seconds: 604_800))
        let day = try #require(Since(argument: "2026-12-01"))
        #expect(WallClock.dateTime(day.micros(now: 0)) == "2026-12-01 00:00:00")
        #expect(Since(argument: "2026-12-01 14:05").map { WallClock.dateTime($0.micros(now: 0)) } == "2026-12-01 14:05:00")
        for bad in ["", "h", "0m", "-5m", "5y", "2026-02-30", "2026-13-01", "yesterday", "2026-12-01 25:00", "99999999999999999999d"] {
            #expect(Since(argument: bad) == nil, "\(bad)")
        }
    }
}
