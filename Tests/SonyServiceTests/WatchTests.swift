import BlueZ
import DBus
import DBusTestSupport
import SonyCore
import SonyService
import Testing

/// The watch end to end: the simulated XM4 drops, the daemon records, recognises and says.
@Suite(.timeLimit(.minutes(2)))
struct WatchTests {
    @Test func threeDropsAreOneFlappingPatternWithReasonsInTheHistory() async throws {
        let f = try await RepairFixture()
        for _ in 0..<3 {
            try await f.drop()
            try await f.until("the drop to be seen") { (try? await f.property("Connected")) == .boolean(false) }
            try await f.reconnect()
            try await f.until("the reconnect to be seen") { (try? await f.property("Connected")) == .boolean(true) }
        }
        try await f.until("DisconnectPattern") { f.patterns.contains { $0.kind == "flapping" } }
        // Every connection lasted under a minute, too: the sessions are short as well.
        #expect(Set(f.patterns.map(\.kind)) == ["flapping", "short-sessions"])
        let pattern = try #require(f.patterns.first { $0.kind == "flapping" })
        #expect(pattern.kind == "flapping" && pattern.count == 3 && pattern.window == 600)
        #expect(pattern.advice.contains("WH-1000XM4 dropped 3 times in 10 minutes"), "\(pattern.advice)")
        #expect(try await f.property("Health") == .string("flapping"))
        #expect(try await f.property("DisconnectsLastHour") == .uint32(3))
        let advice = try await f.property("Advice")
        #expect(advice == .string(pattern.advice))

        let history = try await f.history()
        // First sight of a connected XM4 is a connect; then three drops and reconnects.
        #expect(history.map(\.kind) == ["connected", "disconnected", "connected", "disconnected", "connected", "disconnected",
                                        "pattern", "pattern", "connected"])
        let drops = history.filter { $0.kind == "disconnected" }
        #expect(drops.allSatisfy { $0.details["reason"] == Variant("remote") }, "Device1.Disconnected's reason")
        #expect(drops.allSatisfy { $0.details["adapter"] == Variant("hci0") })
        #expect(drops.allSatisfy { $0.details["session_us"]?.get(UInt64.self) != nil }, "how long each connection lasted")
        let patternRow = try #require(history.first { $0.kind == "pattern" && $0.details["pattern"] == Variant("flapping") })
        #expect(patternRow.details["pattern"] == Variant("flapping") && patternRow.details["count"] == Variant(UInt32(3)))
        #expect(patternRow.details["step"] == Variant("soft-reset"))
        #expect(history.map(\.time) == history.map(\.time).sorted(), "oldest first")
        #expect(try await f.property("LastDisconnected") == .uint64(drops.last?.time ?? 0))
    }

    @Test func withoutTheDisconnectedSignalTheReasonIsUnknownAndEachDropCountsOnce() async throws {
        let f = try await RepairFixture()
        try await f.drop(withSignal: false)
        try await f.until("the drop") { (try? await f.property("DisconnectsLastHour")) == .uint32(1) }
        // bluetoothd retrying to reconnect, failing: no link came up, so no new drop.
        _ = try? await f.bluez.mock("DropConnection", [.objectPath(RepairFixture.bluezPath), .string(""), .string(""), .boolean(false)])
        try await f.reconnect()
        try await f.until("the reconnect") { (try? await f.property("Connected")) == .boolean(true) }
        #expect(try await f.property("DisconnectsLastHour") == .uint32(1))
        let drop = try #require(try await f.history().first { $0.kind == "disconnected" })
        #expect(drop.details["reason"] == Variant("unknown"))
    }

    @Test func batteryChangesAreRecordedAndShown() async throws {
        let f = try await RepairFixture()
        try await f.setBattery(80)
        try await f.until("Battery 80") { (try? await f.property("Battery")) == .int32(80) }
        try await f.setBattery(10)
        try await f.until("Battery 10") { (try? await f.property("Battery")) == .int32(10) }
        try await f.until("two battery events") { (try? await f.historyKinds().filter { $0 == "battery" }.count) == 2 }
        #expect(try await f.history().filter { $0.kind == "battery" }.map { $0.details["battery"] } == [Variant(Int32(80)), Variant(Int32(10))])
        #expect(try await f.property("Health") == .string("low-battery"))
        // A drop now is a drop at low battery.
        try await f.drop()
        try await f.until("the low-battery pattern") { f.patterns.contains { $0.kind == "low-battery" } }
        #expect(f.patterns.first { $0.kind == "low-battery" }?.advice.contains("Charge the WH-1000XM4") == true)
    }

    @Test func forgettingIsRecordedAndItsDisconnectIsNoDrop() async throws {
        let f = try await RepairFixture()
        _ = try await f.client.call(destination: DaemonNames.busName, path: RepairFixture.xm4Path, interface: DaemonNames.deviceInterface, member: "Forget")
        try await f.until("forgotten in the history") { (try? await f.historyKinds().contains("forgotten")) == true }
        #expect(try await f.property("DisconnectsLastHour") == .uint32(0))
        let drop = try #require(try await f.history().first { $0.kind == "disconnected" })
        #expect(drop.details["reason"] == Variant("local"), "BlueZ's reason for our own disconnect")
        #expect(try await f.property("Present") == .boolean(false))
    }

    @Test func aRepairIsRecordedFromStartToEnd() async throws {
        let f = try await RepairFixture()
        async let repaired: Void = f.repair(["Timeout": Variant(UInt32(20))])
        try await f.stage("waiting-for-device")
        try await f.enterPairingMode()
        try await repaired
        try await f.until("repair-succeeded in the history") { (try? await f.historyKinds().contains("repair-succeeded")) == true }
        let kinds = try await f.historyKinds()
        #expect(kinds.first == "connected")
        let during = Array(kinds.drop { $0 != "repair-started" })
        #expect(during == ["repair-started", "disconnected", "connected", "paired", "repair-succeeded"],
                "the repair's forget, pairing and connect, and how it ended: \(kinds)")
        #expect(kinds.last == "repair-succeeded", "\(kinds)")
        #expect(try await f.property("DisconnectsLastHour") == .uint32(0), "the repair's own disconnect is no drop")
    }

    @Test func aFailedRepairRecordsItsError() async throws {
        let f = try await RepairFixture()
        _ = try await f.repairError(["Timeout": Variant(UInt32(1))])
        try await f.until("repair-failed") { (try? await f.historyKinds().contains("repair-failed")) == true }
        let row = try #require(try await f.history().first { $0.kind == "repair-failed" })
        #expect(row.details["error"] == Variant("org.sonyctl.Daemon1.Error.Timeout"))
        #expect(row.details["message"]?.get(String.self)?.contains("did not appear within 1 s") == true)
    }

    @Test func getHistoryHonoursSinceAndLimitAndRefusesBadArguments() async throws {
        let f = try await RepairFixture()
        for percent in [90, 80, 70, 60] as [UInt8] {
            try await f.setBattery(percent)
            try await f.until("Battery \(percent)") { (try? await f.property("Battery")) == .int32(Int32(percent)) }
        }
        try await f.until("five events") { (try? await f.history().count) == 5 }
        let all = try await f.history()
        let newestTwo = try await f.history(limit: 2)
        #expect(newestTwo.map(\.time) == all.suffix(2).map(\.time), "the newest two, oldest first")
        let since = try await f.history(since: all[2].time)
        #expect(since.map(\.time) == Array(all[2...]).map(\.time), "at or after since_us")
        let wrong = await #expect(throws: DBusError.self) {
            _ = try await f.client.call(destination: DaemonNames.busName, path: RepairFixture.xm4Path, interface: DaemonNames.deviceInterface,
                                        member: "GetHistory", [.string("yesterday"), .uint32(1)])
        }
        #expect(wrong?.name == .invalidArgs)
    }

    @Test func diagnoseFindsTheMissingAudioServerFirstThenNothing() async throws {
        let f = try await RepairFixture()
        let bare = try await f.diagnose()
        #expect(bare.step == "host-fix", "a bare bluetoothd has no audio server: \(bare.advice)")
        #expect(bare.checks["audio-server"] == "fail" && bare.checks["bluez"] == "pass" && bare.checks["connected"] == "pass")
        // PipeWire starts and registers its A2DP and HFP roles with BlueZ.
        _ = try await f.bluez.mock("SetProperties", [.objectPath("/org/bluez/hci0"), .string("org.bluez.Adapter1"), [
            "UUIDs": Variant(["0000110a-0000-1000-8000-00805f9b34fb", "0000111f-0000-1000-8000-00805f9b34fb"]),
        ].dbusValue])
        try await f.until("the audio roles") { (try? await f.diagnose().checks["audio-server"]) == "pass" }
        let healthy = try await f.diagnose()
        #expect(healthy.step == "none", "\(healthy.checks) \(healthy.advice)")
        // gdbus, a client nobody here wrote, reads the same answer.
        let gdbus = try await run(["gdbus", "call", "--system", "--dest", DaemonNames.busName.rawValue, "--object-path",
                                   RepairFixture.xm4Path.rawValue, "--method", "org.sonyctl.Daemon1.Device.Diagnose"],
                                  environment: f.bus.environment)
        #expect(gdbus.status == 0, "\(gdbus.stderr)")
        #expect(gdbus.stdout.hasPrefix("('none',") && gdbus.stdout.contains("('audio-profile', 'pass'"), "\(gdbus.stdout)")
    }

    @Test func aStaleBondDropIsAdvisedARepair() async throws {
        let f = try await RepairFixture()
        try await f.drop(reason: "org.bluez.Reason.Authentication")
        try await f.until("stale-bond") { f.patterns.contains { $0.kind == "stale-bond" } }
        #expect(try await f.property("Health") == .string("stale-bond"))
        let advice = try #require(f.patterns.first { $0.kind == "stale-bond" }?.advice)
        #expect(advice.contains("sonyctl repair AA:BB:CC:DD:EE:01") && advice.contains("Power + Volume+"), "\(advice)")
        #expect(try await f.diagnose().step == "host-fix", "the host still comes first")
    }

    @Test func aDropRightAfterResumeIsSaidSoAndASpoofedResumeIsIgnored() async throws {
        let f = try await RepairFixture()
        let logind = try await DBusMock.template("logind", name: "org.freedesktop.login1", on: f.bus)
        let resume: [DBusValue] = [.string("org.freedesktop.login1.Manager"), .string("PrepareForSleep"), .string("b"),
                                   .array(.variant, [.variant(.boolean(false))])]
        // Anyone can send a PrepareForSleep; only logind's is believed.
        try f.client.send(.signal(path: "/org/freedesktop/login1", interface: "org.freedesktop.login1.Manager",
                                  member: "PrepareForSleep", body: [.boolean(false)]))
        try await f.drop()
        try await f.until("the drop") { (try? await f.property("DisconnectsLastHour")) == .uint32(1) }
        try await f.reconnect()
        try await f.until("the reconnect") { (try? await f.property("Connected")) == .boolean(true) }
        #expect(!f.patterns.contains { $0.kind == "after-resume" }, "a spoofed resume")

        _ = try await f.client.call(destination: "org.freedesktop.login1", path: "/org/freedesktop/login1",
                                    interface: "org.freedesktop.DBus.Mock", member: "EmitSignal", resume)
        try await f.drop()
        try await f.until("after-resume") { f.patterns.contains { $0.kind == "after-resume" } }
        #expect(f.patterns.first { $0.kind == "after-resume" }?.advice.contains("resumed from suspend") == true)
        _ = logind
    }

    @Test func theAfterFlappingPolicyReconnectsWithBackoff() async throws {
        let f = try await RepairFixture(watch: WatchPolicy(afterFlapping: .reconnect(attempts: 3, delay: 50_000)))
        for i in 0..<3 {
            try await f.drop()
            try await f.until("drop \(i + 1)") { (try? await f.property("DisconnectsLastHour")) == .uint32(UInt32(i + 1)) }
            if i < 2 { try await f.reconnect() }
        }
        // Nobody reconnects it by hand this time: the daemon does.
        try await f.until("the daemon's reconnect") { (try? await f.property("Connected")) == .boolean(true) }
        #expect(try await f.calls("Connect", on: RepairFixture.bluezPath) == 1)
    }

    @Test func byDefaultAFlappingHeadsetIsLeftAlone() async throws {
        let f = try await RepairFixture()
        for i in 0..<3 {
            try await f.drop()
            try await f.until("drop \(i + 1)") { (try? await f.property("DisconnectsLastHour")) == .uint32(UInt32(i + 1)) }
            if i < 2 { try await f.reconnect() }
        }
        try await f.until("flapping") { f.patterns.contains { $0.kind == "flapping" } }
        #expect(try await f.calls("Connect", on: RepairFixture.bluezPath) == 0)
    }

    /// Found against the real bluetoothd 5.66: after reconnecting by itself it leaves
    /// ServicesResolved false while the A2DP stream is up, and the watch called that
    /// no-audio-profile.
    @Test func aStreamingHeadsetHasItsAudioProfileWhateverServicesSay() async throws {
        // Long enough for AddMediaTransport to reach the daemon's mirror after the
        // reconnect under a sanitizer with the whole suite on two loaded cores. (The
        // watch's own queue may lag further: the timer asks the mirror, see AudioTimerTests.)
        let f = try await RepairFixture(watch: WatchPolicy(audioProfileTimeout: 6_000_000))
        let hfpOnly: [String: Variant] = ["UUIDs": Variant(["0000111e-0000-1000-8000-00805f9b34fb"])]
        _ = try await f.bluez.mock("SetProperties", [.objectPath(RepairFixture.bluezPath), .string("org.bluez.Device1"), hfpOnly.dbusValue])
        try await f.drop()
        try await f.until("the drop") { (try? await f.property("Connected")) == .boolean(false) }
        // Back by itself: no sink among its services, but the stream comes up.
        try await f.reconnect()
        _ = try await f.bluez.mock("AddMediaTransport", [.objectPath(RepairFixture.bluezPath)])
        // A witness without audio, connected after it with the same timeout: once the
        // witness is told no-audio-profile, the XM4's own timeout has passed too.
        let witness = try await f.bluez.addDevice("AA:BB:CC:DD:EE:05", "WF-1000XM5", [
            "Modalias": Variant("usb:v054Cp0E63d0100"), "UUIDs": Variant(["0000111e-0000-1000-8000-00805f9b34fb"]),
            "Paired": Variant(true), "Connected": Variant(true), "ServicesResolved": Variant(true),
        ])
        let witnessPath: ObjectPath = "/org/sonyctl/Daemon1/devices/dev_AA_BB_CC_DD_EE_05"
        try await f.until("the witness's no-audio-profile", within: .seconds(45)) {
            (try? await f.property("Health", path: witnessPath)) == .string("no-audio-profile")
        }
        #expect(!f.patterns.contains { $0.kind == "no-audio-profile" }, "the XM4 streams: \(f.patterns.map(\.kind))")
        #expect(try await f.property("Health") == .string("ok"))
        _ = witness

        // The stream gone with the link, and back without one: then it is what it says.
        try await f.drop()
        try await f.until("the second drop") { (try? await f.property("Connected")) == .boolean(false) }
        try await f.reconnect()
        try await f.until("no-audio-profile") { f.patterns.contains { $0.kind == "no-audio-profile" } }
    }
}
