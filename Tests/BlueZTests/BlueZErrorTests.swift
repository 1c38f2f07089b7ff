import BlueZ
import DBus
import Testing

struct BlueZErrorTests {
    @Test(arguments: BlueZError.Kind.allCases.filter { ![.unknownObject, .bluezUnavailable, .other].contains($0) })
    func everyBlueZErrorNameMapsToItsKind(_ kind: BlueZError.Kind) throws {
        let error = BlueZError(DBusError(try ErrorName("org.bluez.Error." + kind.rawValue), "x"))
        #expect(error.kind == kind)
        #expect(error.name == "org.bluez.Error." + kind.rawValue)
    }

    @Test func bothSpellingsOfProfileUnavailable() {
        #expect(BlueZError(DBusError("org.bluez.Error.BREDR.ProfileUnavailable", "No more profiles to connect to")).kind == .profileUnavailable)
        #expect(BlueZError(DBusError("org.bluez.Error.Failed", "br-connection-profile-unavailable")).kind == .profileUnavailable)
    }

    @Test(arguments: [
        ("br-connection-page-timeout", true), ("br-connection-busy", true), ("le-connection-timeout", true),
        ("br-connection-key-missing", false), ("br-connection-refused", false), ("br-connection-unknown", false),
    ])
    func connectionCodesAreClassified(_ code: String, _ transient: Bool) {
        let error = BlueZError(DBusError("org.bluez.Error.Failed", code))
        #expect(error.connectionCode == code)
        #expect(error.isTransient == transient)
        #expect(error.isStaleBond == code.hasSuffix("key-missing"))
    }

    @Test func nonBlueZErrors() {
        #expect(BlueZError(DBusError(.unknownObject, "no such path")).kind == .unknownObject)
        #expect(BlueZError(DBusError(.serviceUnknown)).kind == .bluezUnavailable)
        #expect(BlueZError(DBusError(.noReply)).kind == .other)
        #expect(BlueZError(DBusError("org.bluez.Error.SomethingNew")).kind == .other)
        #expect(BlueZError(DBusError("org.bluez.Error.AuthenticationFailed")).isStaleBond)
    }

    @Test(arguments: [
        ("org.bluez.Reason.Timeout", DisconnectReason.timeout), ("org.bluez.Reason.Remote", .remote),
        ("org.bluez.Reason.Local", .local), ("org.bluez.Reason.Authentication", .authentication),
        ("org.bluez.Reason.LocalSuspend", .suspend), ("org.bluez.Reason.Suspend", .suspend), ("weird", .unknown),
    ])
    func disconnectReasons(_ name: String, _ reason: DisconnectReason) {
        #expect(DisconnectReason(bluezName: name) == reason)
    }

    @Test(arguments: [("aa:bb:cc:dd:ee:ff", "AA:BB:CC:DD:EE:FF"), ("00:11:22:33:44:55", "00:11:22:33:44:55")])
    func addressesParse(_ text: String, _ canonical: String) throws {
        let address = try #require(BluetoothAddress(text))
        #expect(address.description == canonical)
        #expect(address.pathElement == "dev_" + canonical.replacingOccurrences(of: ":", with: "_"))
    }

    @Test(arguments: ["", "AA:BB:CC:DD:EE", "AA:BB:CC:DD:EE:FF:00", "AA-BB-CC-DD-EE-FF", "GG:BB:CC:DD:EE:FF", "A:BB:CC:DD:EE:FFF", "AA:BB:CC:DD:EE:+F"])
    func badAddressesAreRefused(_ text: String) {
        #expect(BluetoothAddress(text) == nil)
    }
}

extension String {
    func replacingOccurrences(of a: String, with b: String) -> String { split(separator: Character(a), omittingEmptySubsequences: false).joined(separator: b) }
}
