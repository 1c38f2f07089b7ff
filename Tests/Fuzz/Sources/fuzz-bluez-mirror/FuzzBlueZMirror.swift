@testable import BlueZ
import DBus
import FuzzSupport

/// What bluetoothd (or anything that claims to be it) tells the mirror, in order:
/// either D-Bus messages as they follow each other on the wire (captured with
/// `dbus-monitor --binary`, so they start with a byte-order mark), or, for any
/// other first byte, a scenario of replies and signals read from the bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBlueZMirror(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzBytes(data, size)
    let messages: [Message]
    if let first = bytes.first, first == UInt8(ascii: "l") || first == UInt8(ascii: "B") {
        messages = WireStream.messages(in: bytes).compactMap { try? Message(wireBytes: $0) }
    } else {
        var input = FuzzInput(bytes)
        messages = Scenario.messages(&input)
    }
    var mirror = CheckedMirror()
    for message in messages { mirror.take(message) }
    return 0
}

/// The mirror as `BlueZClient` drives it, with what must hold after every message.
struct CheckedMirror {
    var tree = ObjectTree()
    /// What a subscriber that applies every event holds.
    var view = EventView()

    mutating func take(_ message: Message) {
        let before = tree
        let events: [BlueZEvent]
        if message.kind == .methodReturn {
            // BlueZClient.sync takes exactly this shape and nothing else.
            guard message.signature == "a{oa{sa{sv}}}", let objects = message.body.first else { return }
            events = tree.reset(managedObjects: objects)
            checkResetOrder(events)
        } else {
            events = BlueZClient.apply(message, to: &tree)
            if !Self.hasItsShape(message) {
                invariant(events.isEmpty && tree == before, "a signal of the wrong shape changed the mirror: \(message)")
            }
        }
        view.apply(events, tree: tree)
        invariant(view.adapters == tree.adapters && view.devices == tree.devices,
                  "the events do not add up to the tree after \(message): \(events)")
        checkAdapterRemoval(message, before: before)
        checkFixpoint()
    }

    /// The body each member must have for the mirror to believe it.
    static func hasItsShape(_ message: Message) -> Bool {
        switch message.member?.rawValue {
        case "InterfacesAdded": message.signature == "oa{sa{sv}}"
        case "InterfacesRemoved": message.signature == "oas"
        case "PropertiesChanged": message.signature == "sa{sv}as"
        case "Disconnected": message.signature == "ss"
        default: false
        }
    }

    /// Removals, then adapters, then devices: a subscriber never sees a device
    /// before the adapter it is on, nor an adapter go before its devices.
    func checkResetOrder(_ events: [BlueZEvent]) {
        let ranks = events.map { event -> Int in
            switch event {
            case .deviceRemoved: 0
            case .adapterRemoved: 1
            case .adapterAdded, .adapterChanged: 2
            default: 3
            }
        }
        invariant(ranks == ranks.sorted(), "a reset reported events out of order: \(events)")
    }

    /// No device under an adapter outlives its removal.
    func checkAdapterRemoval(_ message: Message, before: ObjectTree) {
        guard message.member?.rawValue == "InterfacesRemoved", message.signature == "oas",
              case .objectPath(let path)? = message.body.first, before.adapters[path] != nil, tree.adapters[path] == nil else { return }
        let orphans = tree.devices.keys.filter { $0.isInNamespace(path) }
        invariant(orphans.isEmpty, "devices \(orphans) outlived their adapter \(path)")
    }

    /// The tree is what a fresh `GetManagedObjects` of the same objects would give,
    /// and that answer changes nothing: no state hides from a resync.
    func checkFixpoint() {
        let objects = managedObjects(of: tree)
        var fresh = ObjectTree()
        _ = fresh.reset(objects)
        invariant(fresh == tree, "a fresh reset of the tree's own objects differs: \(tree) vs \(fresh)")
        var again = tree
        invariant(again.reset(objects).isEmpty, "resetting to the tree's own objects reported changes")
    }
}

/// The adapters and devices a subscriber knows from the events alone.
struct EventView {
    var adapters: [ObjectPath: AdapterInfo] = [:]
    var devices: [ObjectPath: DeviceInfo] = [:]

    mutating func apply(_ events: [BlueZEvent], tree: ObjectTree) {
        for event in events {
            switch event {
            case .adapterAdded(let adapter), .adapterChanged(let adapter, _): adapters[adapter.path] = adapter
            case .adapterRemoved(let adapter): adapters[adapter.path] = nil
            case .deviceAdded(let device), .deviceChanged(let device, _): devices[device.path] = device
            case .deviceRemoved(let device): devices[device.path] = nil
            case .deviceDisconnected(let device, _, _):
                invariant(tree.devices[device.path] == device, "Disconnected carries another device than the tree's")
            case .available, .unavailable: break
            }
        }
    }
}
