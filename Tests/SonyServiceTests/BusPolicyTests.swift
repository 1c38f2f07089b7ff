import DBus
import DBusTestSupport
import Foundation
import SonyCore
import SonyService
import Testing

/// Our bus policy file loaded into a real dbus-daemon with the system bus's
/// default rules, checked with a second uid: nobody may call and read, but
/// not own the name; the daemon's polkit check still decides about Forget.
@Suite(.timeLimit(.minutes(1)))
struct BusPolicyTests {
    static let policy = SonyBlueZ.root.appendingPathComponent("config/dbus/org.sonyctl.Daemon1.conf").path

    /// The rules of Debian's system.conf that matter here, then ours; root may
    /// do anything, as the mocks standing in for BlueZ and polkit run as root.
    static let config = """
        <policy context="default">
          <allow user="*"/>
          <deny own="*"/>
          <deny send_type="method_call"/>
          <allow send_type="signal"/>
          <allow send_requested_reply="true" send_type="method_return"/>
          <allow send_requested_reply="true" send_type="error"/>
          <allow receive_type="method_call"/>
          <allow receive_type="method_return"/>
          <allow receive_type="error"/>
          <allow receive_type="signal"/>
          <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
          <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
          <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
        </policy>
        <policy user="root">
          <allow own="*"/>
          <allow send_type="method_call"/>
        </policy>
        <include>\(policy)</include>
        """

    func asNobody(_ bus: PrivateBus, _ args: String...) async throws -> CommandResult {
        try await run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "busctl", "--address=\(bus.address)"] + args)
    }

    @Test func anyoneMayCallAndReadButOnlyRootOwnsTheName() async throws {
        let bus = try PrivateBus(type: "system", extraConfig: Self.config)
        let bluez = try await SonyBlueZ(bus: bus)
        let polkit = try await DBusMock.template("polkitd", name: "org.freedesktop.PolicyKit1", on: bus)
        defer { polkit.stop() }
        try await bluez.addDevice("AA:BB:CC:DD:EE:01", "WH-1000XM4", ["Modalias": Variant("usb:v054Cp0D58d0301")])
        let daemon = SonyDaemon(connection: try bus.connect(), catalogue: try ModelCatalogue.load(contentsOf: SonyBlueZ.catalogue), history: try .inMemory())
        let runner = Task { try await daemon.run() }
        defer { runner.cancel() }
        try await waitForOwner(of: DaemonNames.busName, on: try bus.connect(), within: .seconds(30))
        try await withDeadline(.seconds(30), "the device") { while daemon.records.isEmpty { try await Task.sleep(for: .milliseconds(20)) } }

        let version = try await asNobody(bus, "get-property", "org.sonyctl.Daemon1", "/org/sonyctl/Daemon1", "org.sonyctl.Daemon1.Manager", "Version")
        #expect(version.status == 0, "\(version.stderr)")
        #expect(version.stdout == "s \"\(DaemonNames.version)\"\n")
        let resolve = try await asNobody(bus, "call", "org.sonyctl.Daemon1", "/org/sonyctl/Daemon1", "org.sonyctl.Daemon1.Manager", "ResolveDevice", "s", "wh-1000xm4")
        #expect(resolve.stdout == "o \"/org/sonyctl/Daemon1/devices/dev_AA_BB_CC_DD_EE_01\"\n", "\(resolve.stderr)")
        let forget = try await asNobody(bus, "call", "org.sonyctl.Daemon1", "/org/sonyctl/Daemon1/devices/dev_AA_BB_CC_DD_EE_01", "org.sonyctl.Daemon1.Device", "Forget")
        #expect(forget.status != 0)
        #expect(forget.stderr.contains("polkit did not authorize"), "the bus let it through; polkit said no: \(forget.stderr)")
        let own = try await asNobody(bus, "call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName", "su", "org.sonyctl.Daemon1", "4")
        #expect(own.status != 0)
        #expect(own.stderr.contains("Access denied"), "\(own.stderr)")
        let elsewhere = try await asNobody(bus, "call", "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority", "org.freedesktop.DBus.Peer", "Ping")
        #expect(elsewhere.status != 0, "the default policy still denies calls to other services")
    }
}
