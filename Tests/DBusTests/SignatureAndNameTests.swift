import DBus
import Testing

struct SignatureTests {
    @Test(arguments: [
        "", "s", "a{sv}", "a{oa{sa{sv}}}", "(ia{s(yv)})", "aay", "h", "a{qv}", "(tsa{sv})",
        String(repeating: "a", count: 32) + "y", String(repeating: "(", count: 32) + "y" + String(repeating: ")", count: 32),
    ])
    func acceptsValid(_ text: String) throws {
        let signature = try Signature(text)
        #expect(signature.types.map(\.code).joined() == text)
    }

    @Test(arguments: [
        ("a", "ends inside"), ("{sv}", "outside an array"), ("a{vs}", "not a basic type"), ("()", "empty struct"),
        ("(s", "unterminated"), ("s)", "unbalanced"), ("z", "unknown type code"), ("a{s}", "exactly one key"),
        ("a{sss}", "exactly one key"), (String(repeating: "a", count: 33) + "y", "nested arrays"),
        (String(repeating: "(", count: 33) + "y" + String(repeating: ")", count: 33), "nested structs"),
        (String(repeating: "s", count: 256), "longer than"),
    ])
    func rejectsInvalid(_ text: String, _ reason: String) {
        #expect {
            _ = try Signature(text)
        } throws: { error in
            (error as? SignatureError)?.reason.contains(reason) == true
        }
    }

    @Test func typesAreRejectedWhenTheWireCannotCarryThem() {
        #expect(throws: SignatureError.self) { try Signature(.structure([])) }
        #expect(throws: SignatureError.self) { try Signature(.dictionary(key: .variant, value: .string)) }
    }
}

struct NameTests {
    @Test(arguments: ["/", "/org/bluez/hci0", "/a_b/C1"])
    func validPaths(_ text: String) throws { #expect(try ObjectPath(text).rawValue == text) }

    @Test(arguments: ["", "org", "/org/", "//", "/org//bluez", "/org/blu-ez", "/dev_AA:BB"])
    func invalidPaths(_ text: String) { #expect(throws: NameError.self) { try ObjectPath(text) } }

    @Test(arguments: ["org.bluez", "org.sonyctl.Daemon1", ":1.42", "org.sonyctl-x.D"])
    func validBusNames(_ text: String) throws { #expect(try BusName(text).rawValue == text) }

    @Test(arguments: ["", "org", "org.", ".org", "org..bluez", "1org.bluez", "org.blu ez", ":", String(repeating: "a.", count: 128) + "b"])
    func invalidBusNames(_ text: String) { #expect(throws: NameError.self) { try BusName(text) } }

    @Test(arguments: ["org.bluez.Device1", "a._b"])
    func validInterfaces(_ text: String) throws { #expect(try InterfaceName(text).rawValue == text) }

    @Test(arguments: ["org", "org.1bluez", "org.blu-ez", "org.bluez."])
    func invalidInterfaces(_ text: String) { #expect(throws: NameError.self) { try InterfaceName(text) } }

    @Test(arguments: ["Get", "_x", "Get2"])
    func validMembers(_ text: String) throws { #expect(try MemberName(text).rawValue == text) }

    @Test(arguments: ["", "2Get", "Get.All", "Get-All"])
    func invalidMembers(_ text: String) { #expect(throws: NameError.self) { try MemberName(text) } }

    @Test func namespaceRelation() throws {
        let device: ObjectPath = "/org/bluez/hci0/dev_AA"
        #expect(device.isInNamespace("/org/bluez"))
        #expect(device.isInNamespace("/"))
        #expect(!device.isInNamespace("/org/blue"))
        #expect(!ObjectPath("/org/bluezz").isInNamespace("/org/bluez"))
    }
}
