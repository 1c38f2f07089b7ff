import DBus
import DBusTestSupport
import SonyCore
import SonyService
import Testing

/// With no polkit on the bus, root and members of the configured group may
/// change pairings, and no one else: the other half of "who may do what".
@Suite(.timeLimit(.minutes(1)))
struct FallbackAuthorizationTests {
    @Test(arguments: [nil, "nogroup"] as [String?])
    func withoutPolkitRootAndTheGroupDecide(fallbackGroup: String?) async throws {
        let bus = try PrivateBus(type: "system", extraConfig: BusPolicyTests.config)
        let bluez = try await SonyBlueZ(bus: bus)
        try await bluez.addDevice("AA:BB:CC:DD:EE:01", "WH-1000XM4", ["Modalias": Variant("usb:v054Cp0D58d0301"), "Paired": Variant(true)])
        let daemon = SonyDaemon(connection: try bus.connect(), catalogue: try ModelCatalogue.load(contentsOf: SonyBlueZ.catalogue),
                                configuration: DaemonConfiguration(fallbackGroup: fallbackGroup), history: try .inMemory())
        let runner = Task { try await daemon.run() }
        defer { runner.cancel() }
        try await waitForOwner(of: DaemonNames.busName, on: try bus.connect(), within: .seconds(30))
        try await withDeadline(.seconds(30), "the device") { while daemon.records.isEmpty { try await Task.sleep(for: .milliseconds(20)) } }

        // CancelRepair past authorization finds nothing to cancel; before it, it is refused.
        let cancel = AccessTableTests.row("CancelRepair")
        let root = try await AccessTableTests.call(cancel, as: nil, on: bus)
        #expect(root.stderr.contains("org.sonyctl.Daemon1.Error.NotRepairing"), "root may: \(root.stderr)")
        let nobody = try await AccessTableTests.call(cancel, as: 65534, on: bus)
        if fallbackGroup == nil {
            #expect(nobody.stderr.contains("org.sonyctl.Daemon1.Error.NotAuthorized"), "\(nobody.stderr)")
            #expect(nobody.stderr.contains("no polkit on the bus, and uid 65534"), "the refusal says why: \(nobody.stderr)")
        } else {
            #expect(nobody.stderr.contains("org.sonyctl.Daemon1.Error.NotRepairing"), "nobody's group is nogroup: \(nobody.stderr)")
        }
        guard fallbackGroup == nil else { return }
        try await AccessTableTests.expectNobodyRefusedAll(on: bus)
        let kept = try await bus.connect().call(destination: "org.bluez", path: .root, interface: .objectManager, member: "GetManagedObjects")
        #expect(try kept.decode([ObjectPath: [String: [String: Variant]]].self)[AccessTableTests.bluezDevice] != nil, "nothing was forgotten")
    }
}
