import DBus
import FuzzSupport

/// Replies and signals read from the fuzzer's bytes, over a small world of paths,
/// interfaces and property names, so that most of them concern objects the mirror
/// knows. Each is sent through the wire format and read back, as the bus would
/// deliver it; one our writer refuses is dropped.
enum Scenario {
    static func messages(_ input: inout FuzzInput) -> [Message] {
        var messages: [Message] = []
        while !input.isEmpty, messages.count < 64 {
            guard let bytes = try? message(&input).wireBytes(), let message = try? Message(wireBytes: bytes) else { continue }
            messages.append(message)
        }
        return messages
    }

    static func message(_ input: inout FuzzInput) -> Message {
        switch input.below(8) {
        case 0:
            let objects = (0..<input.below(6)).map { _ in DBusValue.DictEntry(.objectPath(input.pick(paths)), interfaces(&input)) }
            var reply = Message(kind: .methodReturn, body: [.dictionary(key: .objectPath, value: interfacesType, objects)])
            reply.replySerial = 1
            return reply
        case 1:
            return signal("/", .objectManager, "InterfacesAdded", [.objectPath(input.pick(paths)), interfaces(&input)])
        case 2:
            let names = (0..<input.below(4)).map { _ in DBusValue.string(input.pick(interfaceNames)) }
            return signal("/", .objectManager, "InterfacesRemoved", [.objectPath(input.pick(paths)), .array(.string, names)])
        case 3, 4:
            let invalidated = (0..<input.below(3)).map { _ in DBusValue.string(input.pick(propertyNames)) }
            return signal(input.pick(paths), .properties, "PropertiesChanged",
                          [.string(input.pick(interfaceNames)), properties(&input), .array(.string, invalidated)])
        case 5:
            return signal(input.pick(paths), "org.bluez.Device1", "Disconnected",
                          [.string(input.pick(reasons)), .string(input.text(upTo: 8))])
        default:
            // A member the mirror follows, with a body of some other shape.
            let (interface, member) = input.pick(members)
            return signal(input.bool() ? "/" : input.pick(paths), interface, member, (0..<input.below(4)).map { _ in anyValue(&input) })
        }
    }

    static func signal(_ path: ObjectPath, _ interface: InterfaceName, _ member: MemberName, _ body: [DBusValue]) -> Message {
        var signal = Message.signal(path: path, interface: interface, member: member, body: body)
        signal.serial = 2
        return signal
    }

    static let interfacesType = SignatureType.dictionary(key: .string, value: .dictionary(key: .string, value: .variant))

    static func interfaces(_ input: inout FuzzInput) -> DBusValue {
        let entries = (0..<input.below(4)).map { _ in DBusValue.DictEntry(.string(input.pick(interfaceNames)), properties(&input)) }
        return .dictionary(key: .string, value: .dictionary(key: .string, value: .variant), entries)
    }

    static func properties(_ input: inout FuzzInput) -> DBusValue {
        let entries = (0..<input.below(6)).map { _ -> DBusValue.DictEntry in
            let name = input.pick(propertyNames)
            // Mostly the type BlueZ uses, sometimes anything: a peer that lies.
            let value = input.below(4) == 0 ? anyValue(&input) : typical(name, &input)
            return DBusValue.DictEntry(.string(name), .variant(value))
        }
        return .dictionary(key: .string, value: .variant, entries)
    }

    static func typical(_ name: String, _ input: inout FuzzInput) -> DBusValue {
        switch name {
        case "Address": .string(input.pick(addresses))
        case "Name", "Alias": .string(input.bool() ? input.pick(names) : input.text(upTo: 12))
        case "Modalias": .string(input.pick(modaliases))
        case "Icon", "AddressType", "PowerState", "PreferredBearer": .string(input.pick(["audio-headset", "phone", "random", "public", "on", "le", ""]))
        case "Class", "PairableTimeout", "DiscoverableTimeout": .uint32(input.pick([0, 0x240404, 0x5a020c, input.uint32()]))
        case "Appearance", "Manufacturer": .uint16(input.uint16())
        case "UUIDs", "Roles": .array(.string, (0..<input.below(4)).map { _ in .string(input.pick(uuids)) })
        case "RSSI", "TxPower": .int16(Int16(bitPattern: input.uint16()))
        case "Adapter", "Device": .objectPath(input.pick(paths))
        case "Percentage", "Version": .byte(input.byte())
        case "AdvertisingFlags": .array(.byte, input.bytes(upTo: 4).map(DBusValue.byte))
        case "ManufacturerData":
            .dictionary(key: .uint16, value: .variant, (0..<input.below(3)).map { _ in
                DBusValue.DictEntry(.uint16(input.pick([0x012D, 0x0056, input.uint16()])),
                                    .variant(input.bool() ? .array(.byte, input.bytes(upTo: 6).map(DBusValue.byte)) : anyValue(&input)))
            })
        default: .boolean(input.bool())
        }
    }

    /// A value of one of a few types, none of them necessarily the expected one.
    static func anyValue(_ input: inout FuzzInput) -> DBusValue {
        switch input.below(9) {
        case 0: .string(input.text(upTo: 8))
        case 1: .objectPath(input.pick(paths))
        case 2: .boolean(input.bool())
        case 3: .byte(input.byte())
        case 4: .int16(Int16(bitPattern: input.uint16()))
        case 5: .uint32(input.uint32())
        case 6: .array(.string, (0..<input.below(3)).map { _ in .string(input.pick(interfaceNames)) })
        case 7: .variant(.uint16(input.uint16()))
        default: .dictionary(key: .string, value: .variant, [])
        }
    }

    // The small world. `hci00` shares a prefix with `hci0` without being below it.
    static let paths: [ObjectPath] = [
        "/org/bluez/hci0", "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01", "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_02",
        "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01/sep1/fd0", "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_02/sep1/fd1",
        "/org/bluez/hci1", "/org/bluez/hci1/dev_AA_BB_CC_DD_EE_01", "/org/bluez/hci00", "/org/bluez/hci00/dev_AA_BB_CC_DD_EE_03",
        "/org/bluez", "/", "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01/extra",
    ]
    static let interfaceNames = [
        "org.bluez.Adapter1", "org.bluez.Device1", "org.bluez.Battery1", "org.bluez.MediaTransport1",
        "org.bluez.GattService1", "org.freedesktop.DBus.Properties",
    ]
    static let propertyNames = [
        "Address", "Name", "Alias", "Modalias", "Icon", "AddressType", "Class", "Appearance", "UUIDs", "Roles",
        "RSSI", "TxPower", "Adapter", "Device", "Percentage", "Version", "AdvertisingFlags", "ManufacturerData",
        "Paired", "Bonded", "Trusted", "Blocked", "Connected", "ServicesResolved", "LegacyPairing", "WakeAllowed",
        "Powered", "Discovering", "Discoverable", "Pairable", "Connectable", "PowerState", "PreferredBearer",
        "PairableTimeout", "DiscoverableTimeout", "Manufacturer", "State",
    ]
    static let addresses = ["AA:BB:CC:DD:EE:01", "aa:bb:cc:dd:ee:02", "00:11:22:33:44:55", "AA:BB:CC:DD:EE", "AA:BB:CC:DD:EE:0G", "+A:BB:CC:DD:EE:01", ""]
    static let names = ["WH-1000XM4", "LE_WH-1000XM4", "WF-1000XM5", "Sony", "", "JBL Tune 760NC"]
    static let modaliases = ["usb:v054Cp0D58d0301", "bluetooth:v012Dp0E63d0201", "usb:v054C", ""]
    static let uuids = ["0000110b-0000-1000-8000-00805f9b34fb", "96CC203E-5068-46AD-B32D-E316F5E069BA", "956c7b26-d49a-4ba8-b03f-b17d393cb6e2", "x"]
    static let reasons = ["org.bluez.Reason.Timeout", "org.bluez.Reason.Remote", "org.bluez.Reason.LocalSuspend", "Timeout", "", "..."]
    static let members: [(InterfaceName, MemberName)] = [
        (.objectManager, "InterfacesAdded"), (.objectManager, "InterfacesRemoved"),
        (.properties, "PropertiesChanged"), ("org.bluez.Device1", "Disconnected"),
    ]
}
