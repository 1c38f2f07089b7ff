import BlueZ
import DBus
import DBusTestSupport
import Locking
@testable import SonyService
import SonyCore
import Testing

/// The audio-profile timer on its own, without a bus: when it fires, the watch may not
/// yet have been given the update that brought the stream (it waits behind a history
/// write), so it asks what BlueZ said last before calling the headset profile-less.
@Suite struct AudioTimerTests {
    /// A watch with a short timer, and what it asked and told.
    final class Probe: Sendable {
        let watch: ConnectionWatch
        let missing: Bool
        let asked = Lock(0)
        let patterns = Lock<[PatternKind]>([])

        init(audioStillMissing missing: Bool) throws {
            self.missing = missing
            watch = ConnectionWatch(
                policy: WatchPolicy(audioProfileTimeout: 20_000),
                advisor: Advisor(catalogue: try ModelCatalogue.load(contentsOf: SonyBlueZ.catalogue)),
                store: try .inMemory(), clock: SystemWallClock(), logger: SonyDaemon.silent)
            watch.connect(ConnectionWatch.Output(
                publish: { _, _ in },
                pattern: { [patterns] _, finding, _ in patterns.withLock { $0.append(finding.kind) } },
                reconnect: { _ in false },
                audioStillMissing: { [asked] _ in
                    asked.withLock { $0 += 1 }
                    return missing
                }))
        }

        /// The XM4 connected, services resolved, no sink among them and no stream.
        func connect() async {
            var device = DeviceInfo(path: "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01")
            device.address = BluetoothAddress("AA:BB:CC:DD:EE:01")
            device.connected = true
            device.servicesResolved = true
            device.uuids = ["0000111e-0000-1000-8000-00805f9b34fb"]
            let subject = Advisor.Subject(name: "WH-1000XM4", address: "AA:BB:CC:DD:EE:01", model: nil)
            await watch.update(subject, old: nil, new: device, hostAudioReady: true)
        }

        func until(_ what: String, _ condition: @escaping @Sendable () -> Bool) async throws {
            try await withDeadline(.seconds(15), what) {
                while !condition() { try await Task.sleep(for: .milliseconds(5)) }
            }
        }
    }

    @Test func aStreamBlueZHasAlreadyReportedKeepsTheTimerQuiet() async throws {
        let probe = try Probe(audioStillMissing: false)
        await probe.connect()
        try await probe.until("the timer to ask") { probe.asked.withLock { $0 } > 0 }
        // The timer ends once it has its answer; nothing comes after it.
        try await Task.sleep(for: .milliseconds(100))
        #expect(probe.patterns.withLock { $0 }.isEmpty)
        probe.watch.stop()
    }

    @Test func aHeadsetStillWithoutAudioIsToldSo() async throws {
        let probe = try Probe(audioStillMissing: true)
        await probe.connect()
        try await probe.until("no-audio-profile") { probe.patterns.withLock { $0 }.contains(.noAudioProfile) }
        #expect(probe.asked.withLock { $0 } == 1)
        probe.watch.stop()
    }
}
