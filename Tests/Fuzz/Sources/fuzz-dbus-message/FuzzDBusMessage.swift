@testable import BlueZ
@testable import DBus
import FuzzSupport
@testable import SonyClient

/// A whole D-Bus message as it comes off the socket: libdbus judges the framing,
/// our layer decodes the body into `DBusValue`s, and every reader of outside
/// messages (typed decodes, the client, the BlueZ mirror) takes it from there.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDBusMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    // A refusal is fine as long as it is the typed error, not a trap.
    guard let message = try? Message(wireBytes: fuzzBytes(data, size)) else { return 0 }
    _ = message.description
    invariant((try? Signature(message.signature)) != nil, "the body's types \"\(message.signature)\" are no valid signature")
    checkRoundTrip(message)
    checkTypedDecodes(message)
    checkClientReaders(message)
    checkMirror(message)
    return 0
}

/// What we accepted from the wire we can send again, unchanged: a body libdbus
/// refused on the way out would mean our reader and writer disagree on the format.
func checkRoundTrip(_ message: Message) {
    // Descriptors come with the socket, not the bytes: these have none to send.
    guard !WireValidation.containsUnixFD(message.body) else { return }
    let bytes: [UInt8]
    do {
        bytes = try message.wireBytes()
    } catch {
        invariant(false, "\(message) was read but cannot be written: \(error)")
        return
    }
    guard let again = try? Message(wireBytes: bytes) else {
        invariant(false, "our own bytes for \(message) do not parse")
        return
    }
    invariant(same(again.body, message.body), "the body changed on the way: \(message.body) → \(again.body)")
    invariant(again.kind == message.kind && again.serial == message.serial && again.replySerial == message.replySerial,
              "kind or serials changed: \(message) → \(again)")
    invariant(again.path == message.path && again.interface == message.interface && again.member == message.member
              && again.errorName == message.errorName && again.destination == message.destination,
              "a header field changed: \(message) → \(again)")
    // Only a call's flag means something: libdbus marks every signal and reply no-reply.
    if message.kind == .methodCall {
        invariant(again.noReplyExpected == message.noReplyExpected, "the no-reply flag changed")
    }
    invariant((try? again.wireBytes()) == bytes, "writing the message again gives other bytes")
}

/// The shapes sonyctl decodes with `Message.decode`: each succeeds exactly when the
/// body has its signature, and keeps everything (dictionaries aside, which keep
/// one entry per key, the last, in no particular order).
func checkTypedDecodes(_ message: Message) {
    check(message, [ObjectPath: [String: [String: Variant]]].self)  // GetManagedObjects
    check(message, ObjectPath.self, [String: [String: Variant]].self)  // InterfacesAdded
    check(message, ObjectPath.self, [String].self)  // InterfacesRemoved
    check(message, String.self, [String: Variant].self, [String].self)  // PropertiesChanged
    check(message, [String: Variant].self)  // GetAll
    check(message, String.self, String.self)  // Device1.Disconnected, RepairProgress
    check(message, Bool.self, String.self, String.self)  // RepairFinished
    check(message, String.self, UInt32.self, UInt32.self, String.self)  // DisconnectPattern
    check(message, ObjectPath.self)  // ResolveDevice
    check(message, [UInt16: Variant].self)  // ManufacturerData's shape, as a whole body
}

func check<each T: DBusRepresentable>(_ message: Message, _ types: repeat (each T).Type) {
    var expected = ""
    for type in repeat each types { expected += type.dbusType.code }
    var values: [DBusValue]?
    do throws(DBusDecodingError) {
        let decoded = try message.decode(repeat each types)
        var out: [DBusValue] = []
        for value in repeat each decoded { out.append(value.dbusValue) }
        values = out
    } catch {
        _ = error.description
    }
    invariant((values != nil) == (message.signature == expected),
              "decode as \"\(expected)\" of a \"\(message.signature)\" body: \(values == nil ? "failed" : "succeeded")")
    guard let values else { return }
    invariant(same(values.map(canonical), message.body.map(canonical), exactText: false),
              "decode as \"\(expected)\" lost or changed something: \(message.body) → \(values)")
}

/// sonyctl's reading of the daemon's replies and signals: a typed value or a
/// `badReply`, never a trap, and a value only from a body of the promised shape.
func checkClientReaders(_ message: Message) {
    expectBadReplyOrValue("GetManagedObjects", message.signature == "a{oa{sa{sv}}}") { () throws(ClientError) in
        for device in try SonyClient.devices(from: message) { checkSnapshot(device) }
    }
    expectBadReplyOrValue("GetAll", message.signature == "a{sv}") { () throws(ClientError) in
        _ = try SonyClient.manager(from: message)
    }
    let history = try? HistoryEvent.decodeList(message)
    invariant(history == nil || message.signature == "a(tsa{sv})", "history from a \"\(message.signature)\" body")
    for event in history ?? [] {
        _ = (event.string("reason"), event.integer("battery"), event.integer("rssi"))
    }
    let diagnosis = try? Diagnosis(message)
    invariant(diagnosis == nil || message.signature == "ssa(sss)", "a diagnosis from a \"\(message.signature)\" body")
    do {
        if case .deviceAdded(let device)? = try DaemonEvent(message) { checkSnapshot(device) }
    } catch {
        invariant(error.kind == .badReply, "a signal of the wrong shape gave \(error.kind)")
    }
}

func expectBadReplyOrValue(_ what: String, _ shapeMatches: Bool, _ read: () throws(ClientError) -> Void) {
    do {
        try read()
        invariant(shapeMatches, "\(what) read from a body of another shape")
    } catch {
        invariant(error.kind == .badReply, "\(what): \(error.kind) for a bad reply")
    }
}

func checkSnapshot(_ device: DeviceSnapshot) {
    invariant(device.battery.map { (0...100).contains($0) } ?? true, "battery \(device.battery as Any) out of range")
    _ = (device.displayName, device.isRepairing)
}

/// The mirror takes any message as if BlueZ had sent it: a reply resets it, a signal
/// changes it, anything else is ignored; in every case without a trap.
func checkMirror(_ message: Message) {
    var tree = baseTree
    if message.kind == .methodReturn, message.signature == "a{oa{sa{sv}}}", let objects = message.body.first {
        _ = tree.reset(managedObjects: objects)
        let settled = tree
        invariant(tree.reset(managedObjects: objects).isEmpty && tree == settled, "the same GetManagedObjects answer changed the mirror twice")
    } else {
        _ = BlueZClient.apply(message, to: &tree)
    }
}

/// An adapter with a device, so that signals about them reach the code that changes things.
let baseTree: ObjectTree = {
    var tree = ObjectTree()
    let adapter: ObjectPath = "/org/bluez/hci0"
    _ = tree.reset([
        adapter: ["org.bluez.Adapter1": ["Address": Variant("00:11:22:33:44:55"), "Powered": Variant(true)]],
        "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF": [
            "org.bluez.Device1": ["Address": Variant("AA:BB:CC:DD:EE:FF"), "Name": Variant("WH-1000XM4"),
                                  "Adapter": Variant(adapter), "Connected": Variant(true)],
            "org.bluez.Battery1": ["Percentage": Variant(UInt8(70))],
        ],
    ])
    return tree
}()
