import SonyCore
import Testing

/// The diagnostic flow: which check decides, and what the user is told to do.
@Suite struct DiagnosisTests {
    let advisor: Advisor
    let subject: Advisor.Subject
    static let audioRoles = ["0000110a-0000-1000-8000-00805f9b34fb", "0000111f-0000-1000-8000-00805f9b34fb"]

    init() throws {
        let catalogue = try shippedCatalogue()
        advisor = Advisor(catalogue: catalogue)
        subject = Advisor.Subject(name: "WH-1000XM4", address: "AA:BB:CC:DD:EE:01", model: catalogue.model(id: "WH-1000XM4"))
    }

    /// A healthy, connected XM4 on a host with an audio server; tests break one thing.
    static var healthy: Diagnosis.Facts {
        var f = Diagnosis.Facts()
        f.bluezAvailable = true
        f.adapterName = "hci0"
        f.adapterPowered = true
        f.adapterUUIDs = audioRoles
        f.present = true
        f.paired = true
        f.trusted = true
        f.connected = true
        f.servicesResolved = true
        f.uuids = ["0000110B-0000-1000-8000-00805F9B34FB"]
        f.battery = 80
        f.health = .ok
        return f
    }

    func run(_ facts: Diagnosis.Facts) -> Diagnosis {
        Diagnosis(facts, about: subject, advisor: advisor, policy: WatchPolicy())
    }

    func result(_ d: Diagnosis, _ id: String) -> Diagnosis.Result? {
        d.checks.first { $0.id == id }?.result
    }

    @Test func aHealthyDeviceNeedsNothingAndEveryCheckIsThereInOrder() {
        let d = run(Self.healthy)
        #expect(d.checks.map(\.id) == ["bluez", "adapter", "audio-server", "present", "paired", "trusted", "connected",
                                       "services-resolved", "audio-profile", "battery", "recent-drops", "bond"])
        #expect(d.checks.allSatisfy { $0.result == .pass })
        #expect(d.advice.step == .none)
    }

    @Test func noBluezSkipsEverythingElse() {
        var f = Self.healthy
        f.bluezAvailable = false
        let d = run(f)
        #expect(result(d, "bluez") == .fail)
        #expect(d.checks.dropFirst().allSatisfy { $0.result == .skip })
        #expect(d.advice.step == .hostFix && d.advice.text.contains("systemctl start bluetooth"))
    }

    @Test func aPoweredOffAdapterIsTheHostFix() {
        var f = Self.healthy
        f.adapterPowered = false
        let d = run(f)
        #expect(d.advice.step == .hostFix && d.advice.text.contains("bluetoothctl power on"))
    }

    @Test func noAudioServerComesBeforeAnythingOnTheHeadset() {
        var f = Self.healthy
        f.adapterUUIDs = []
        f.health = .staleBond
        let d = run(f)
        #expect(result(d, "audio-server") == .fail)
        #expect(result(d, "bond") == .fail)
        #expect(d.advice.step == .hostFix, "the host first: \(d.advice.text)")
        var half = Self.healthy
        half.adapterUUIDs = [Self.audioRoles[0]]
        #expect(result(run(half), "audio-server") == .warn)
    }

    @Test func aForgottenOrUnpairedDeviceNeedsARepair() {
        var f = Self.healthy
        f.present = false
        let gone = run(f)
        #expect(gone.advice.step == .networkReset && gone.advice.text.contains("sonyctl repair AA:BB:CC:DD:EE:01"))
        #expect(result(gone, "paired") == .skip)
        var unpaired = Self.healthy
        unpaired.paired = false
        #expect(run(unpaired).advice.step == .networkReset)
    }

    @Test func aStaleBondOutranksBeingDisconnected() {
        var f = Self.healthy
        f.connected = false
        f.servicesResolved = false
        f.health = .staleBond
        let d = run(f)
        #expect(result(d, "connected") == .warn)
        #expect(result(d, "services-resolved") == .skip)
        #expect(d.advice.step == .networkReset)
    }

    @Test func justDisconnectedIsAReconnect() {
        var f = Self.healthy
        f.connected = false
        let d = run(f)
        #expect(d.advice.step == .reconnect && d.advice.text.contains("bluetoothctl connect AA:BB:CC:DD:EE:01"))
    }

    @Test func recentFlappingFollowsTheLastFindingsLadder() {
        var f = Self.healthy
        f.disconnectsLastHour = 4
        f.health = .flapping
        f.lastFinding = PatternFinding(kind: .flapping, count: 4, windowSeconds: 600, repeats: 1, at: 0)
        let d = run(f)
        #expect(result(d, "recent-drops") == .fail)
        #expect(d.advice.step == .networkReset, "the second episode: \(d.advice.text)")
        var few = Self.healthy
        few.disconnectsLastHour = 1
        #expect(result(run(few), "recent-drops") == .warn)
    }

    @Test func lowBatteryIsAWarningToCharge() {
        var f = Self.healthy
        f.battery = 15
        let d = run(f)
        #expect(result(d, "battery") == .warn && d.advice.step == .charge)
        f.battery = nil
        #expect(result(run(f), "battery") == .unknown)
    }

    @Test func connectedWithoutTheSinkIsAnAudioProfileFailure() {
        var f = Self.healthy
        f.uuids = ["0000111e-0000-1000-8000-00805f9b34fb"]
        let d = run(f)
        #expect(result(d, "audio-profile") == .fail)
        f.servicesResolved = false
        #expect(run(f).advice.step == .reconnect, "unresolved services come first")
    }

    @Test func anA2DPStreamIsTheAudioProfileEvenWithServicesUnresolved() {
        var f = Self.healthy
        f.servicesResolved = false
        f.uuids = []
        f.audioStream = true
        let d = run(f)
        #expect(result(d, "services-resolved") == .pass && result(d, "audio-profile") == .pass)
        #expect(d.advice.step == .none)
    }
}
