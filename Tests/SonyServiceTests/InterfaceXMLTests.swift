import DBus
import DBusTestSupport
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SonyCore
import SonyService
import Testing

/// The daemon's introspection must say exactly what the canonical interface
/// file installed for clients says: same members, arguments, types, access.
@Suite(.timeLimit(.minutes(1)))
struct InterfaceXMLTests {
    /// Every member of `org.sonyctl.*` interfaces as one comparable line each.
    static func members(_ xml: String) throws -> Set<String> {
        let document = try XMLDocument(xmlString: xml, options: [])
        var lines: Set<String> = []
        for interface in try document.nodes(forXPath: "/node/interface") {
            guard let element = interface as? XMLElement, let name = element.attribute(forName: "name")?.stringValue,
                  name.hasPrefix("org.sonyctl.") else { continue }
            for member in element.children ?? [] {
                guard let m = member as? XMLElement, let kind = m.name, kind != "annotation" else { continue }
                let args = (m.elements(forName: "arg")).map { arg in
                    [arg.attribute(forName: "direction")?.stringValue ?? "", arg.attribute(forName: "name")?.stringValue ?? "",
                     arg.attribute(forName: "type")?.stringValue ?? ""].joined(separator: " ")
                }
                let annotations = m.elements(forName: "annotation").map { "@\($0.attribute(forName: "value")?.stringValue ?? "")" }
                let attributes = ["type", "access"].compactMap { m.attribute(forName: $0)?.stringValue }
                lines.insert(([name, kind, m.attribute(forName: "name")?.stringValue ?? ""] + attributes + args + annotations).joined(separator: " | "))
            }
        }
        return lines
    }

    @Test func introspectionMatchesTheCanonicalFile() async throws {
        let canonical = try String(contentsOfFile: SonyBlueZ.root.appendingPathComponent("config/dbus/org.sonyctl.Daemon1.xml").path, encoding: .utf8)
        let bus = try PrivateBus(type: "system")
        let bluez = try await SonyBlueZ(bus: bus)
        try await bluez.addDevice("AA:BB:CC:DD:EE:01", "WH-1000XM4", ["Modalias": Variant("usb:v054Cp0D58d0301")])
        let daemon = SonyDaemon(connection: try bus.connect(), catalogue: try ModelCatalogue.load(contentsOf: SonyBlueZ.catalogue), history: try .inMemory())
        let runner = Task { try await daemon.run() }
        defer { runner.cancel() }
        let client = try bus.connect()
        try await waitForOwner(of: DaemonNames.busName, on: client, within: .seconds(30))
        let path: ObjectPath = "/org/sonyctl/Daemon1/devices/dev_AA_BB_CC_DD_EE_01"
        try await withDeadline(.seconds(30), "the device object") {
            while (try? await client.call(destination: DaemonNames.busName, path: path, interface: .peer, member: "Ping")) == nil
                || daemon.records.isEmpty {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        var live: Set<String> = []
        for object in [DaemonNames.managerPath, path] {
            let reply = try await client.call(destination: DaemonNames.busName, path: object, interface: .introspectable, member: "Introspect")
            live.formUnion(try Self.members(try reply.decode(String.self)))
        }
        let expected = try Self.members(canonical)
        #expect(expected.count == 28, "4 Manager and 23 Device members as DESIGN.md lists them, and Diagnose")
        #expect(live.subtracting(expected).sorted() == [], "the daemon has what the file lacks")
        #expect(expected.subtracting(live).sorted() == [], "the file has what the daemon lacks")
    }
}
