import BlueZ
import DBus
import DBusTestSupport
import Foundation
import SonyCore
import SonyService
import Testing

/// `Device.Repair` end to end: sonyctld in-process, the simulated BlueZ and
/// polkitd on a private system bus, every flow of issue 4's list.
@Suite(.timeLimit(.minutes(1)))
struct RepairTests {
    static let stages = ["forgetting", "waiting-for-device", "pairing", "trusting", "connecting", "verifying", "succeeded"]

    /// After every ending: no discovery session of ours, no agent, the state final.
    func expectClean(_ f: RepairFixture, state: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(try await f.discoverySessions().allSatisfy { !$0.1 }, "discovery stopped", sourceLocation: sourceLocation)
        #expect(try await f.agents() == 0, "the agent unregistered", sourceLocation: sourceLocation)
        #expect(try await f.property("RepairState") == .string(state), sourceLocation: sourceLocation)
    }

    @Test func repairsFromPairedButBrokenToConnectedWithAudio() async throws {
        let f = try await RepairFixture()
        async let repaired: Void = f.repair(["Timeout": Variant(UInt32(20))])
        try await f.stage("waiting-for-device")
        // Forgotten on the host: the device and its LE twin are gone from BlueZ.
        #expect(f.daemon.bluez.tree.devices.isEmpty)
        #expect(try await f.discoverySessions().map(\.1) == [true])
        try await f.enterPairingMode()
        try await repaired

        #expect(f.progress.map(\.stage) == Self.stages, "one RepairProgress per stage entered, in order")
        let waiting = try #require(f.progress.first { $0.stage == "waiting-for-device" }).message
        #expect(waiting.contains("pairing mode") && waiting.contains("Power + Volume+"), "the XM4's instructions: \(waiting)")
        #expect(f.finished.count == 1)
        #expect(f.finished.first?.success == true && f.finished.first?.error == "")
        let device = try #require(f.daemon.bluez.tree.devices[RepairFixture.bluezPath])
        #expect(device.paired && device.trusted && device.connected && device.servicesResolved)
        #expect(try await f.property("Paired") == .boolean(true))
        #expect(try await f.calls("RequestDefaultAgent", on: "/org/bluez") == 0, "never the default agent")
        #expect(try await f.calls("RegisterAgent", on: "/org/bluez") == 1)
        try await expectClean(f, state: "succeeded")
    }

    @Test func timesOutWhenTheDeviceNeverAppears() async throws {
        let f = try await RepairFixture()
        let clock = ContinuousClock()
        let start = clock.now
        let error = try await f.repairError(["Timeout": Variant(UInt32(1))])
        #expect(error.name.rawValue == "org.sonyctl.Daemon1.Error.Timeout")
        #expect(error.message.contains("did not appear within 1 s"), "\(error.message)")
        #expect(clock.now - start < .seconds(5))
        #expect(f.progress.map(\.stage) == ["forgetting", "waiting-for-device", "failed"])
        #expect(f.finished.first?.error == "org.sonyctl.Daemon1.Error.Timeout")
        try await expectClean(f, state: "failed")
    }

    @Test func retriesATransientPairingFailure() async throws {
        let f = try await RepairFixture()
        try await f.unpairKeepingTheObject()
        try await f.script("Pair", error: "org.bluez.Error.ConnectionAttemptFailed", "Page Timeout")
        try await f.repair(["SkipForget": Variant(true)])
        #expect(try await f.calls("Pair", on: RepairFixture.bluezPath) == 2, "tried again after the page timeout")
        #expect(f.progress.map(\.stage) == Array(Self.stages.dropFirst()), "a retry is not a new stage")
        try await expectClean(f, state: "succeeded")
    }

    @Test func aRefusedPairingIsNotRetried() async throws {
        let f = try await RepairFixture()
        try await f.unpairKeepingTheObject()
        try await f.script("Pair", error: "org.bluez.Error.AuthenticationFailed", "Authentication Failed")
        let error = try await f.repairError(["SkipForget": Variant(true)])
        #expect(error.name.rawValue == "org.sonyctl.Daemon1.Error.PairingFailed")
        #expect(error.message.contains("org.bluez.Error.AuthenticationFailed"), "\(error.message)")
        #expect(try await f.calls("Pair", on: RepairFixture.bluezPath) == 1)
        #expect(f.finished.first?.success == false && f.finished.first?.error == error.name.rawValue)
        try await expectClean(f, state: "failed")
    }
}
