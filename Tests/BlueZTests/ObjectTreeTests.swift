import BlueZ
import DBus
import Testing

struct ObjectTreeTests {
    static let adapter: ObjectPath = "/org/bluez/hci0"
    static let device: ObjectPath = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01"

    static let objects: ObjectTree.Objects = [
        adapter: ["org.bluez.Adapter1": ["Address": Variant("00:11:22:33:44:55"), "Powered": Variant(true)]],
        device: [
            "org.bluez.Device1": ["Address": Variant("AA:BB:CC:DD:EE:01"), "Name": Variant("WH-1000XM4"), "Adapter": Variant(adapter)],
            "org.bluez.Battery1": ["Percentage": Variant(UInt8(70))],
        ],
    ]

    @Test func resetReportsAdaptersBeforeDevices() {
        var tree = ObjectTree()
        let events = tree.reset(Self.objects)
        guard events.count == 2, case .adapterAdded = events[0], case .deviceAdded(let device) = events[1] else {
            Issue.record("unexpected \(events)")
            return
        }
        #expect(device.battery == 70)
        #expect(device.displayName == "WH-1000XM4")
        // The same answer again changes nothing.
        #expect(tree.reset(Self.objects).isEmpty)
    }

    @Test func anA2DPTransportBelongsToItsDeviceFromTheSyncOnAndGoesWhenRemoved() {
        let transport: ObjectPath = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01/sep1/fd0"
        var objects = Self.objects
        objects[transport] = ["org.bluez.MediaTransport1": ["Device": Variant(Self.device), "State": Variant("idle")]]
        var tree = ObjectTree()
        let events = tree.reset(objects)
        guard case .deviceAdded(let device)? = events.last else {
            Issue.record("unexpected \(events)")
            return
        }
        #expect(device.hasAudioTransport, "the event's device carries it, not only the tree")
        let removed = tree.interfacesRemoved(transport, ["org.bluez.MediaTransport1"])
        #expect(removed.map { event -> Set<String> in if case .deviceChanged(_, let keys) = event { keys } else { [] } } == [["Transport"]])
        #expect(tree.devices[Self.device]?.hasAudioTransport == false)
        // Without a Device property, its path says whose it is.
        _ = tree.interfacesAdded(transport, ["org.bluez.MediaTransport1": ["State": Variant("active")]])
        #expect(tree.devices[Self.device]?.transports == [transport])
        // One for a device BlueZ does not have is nobody's.
        #expect(tree.interfacesAdded("/org/bluez/hci0/dev_00_00_00_00_00_09/sep1/fd0", ["org.bluez.MediaTransport1": [:]]).isEmpty)
    }

    @Test func batteryComesAndGoesWithItsInterface() {
        var tree = ObjectTree()
        _ = tree.reset(Self.objects)
        _ = tree.interfacesRemoved(Self.device, ["org.bluez.Battery1"])
        #expect(tree.devices[Self.device]?.battery == nil)
        #expect(tree.devices[Self.device] != nil)
        _ = tree.interfacesAdded(Self.device, ["org.bluez.Battery1": ["Percentage": Variant(UInt8(20))]])
        #expect(tree.devices[Self.device]?.battery == 20)
        let events = tree.propertiesChanged(Self.device, interface: "org.bluez.Battery1", changed: ["Percentage": Variant(UInt8(19))], invalidated: [])
        #expect(events == [.deviceChanged(tree.devices[Self.device]!, changed: ["Battery"])])
    }

    @Test func removingAnAdapterTakesItsDevices() {
        var tree = ObjectTree()
        _ = tree.reset(Self.objects)
        let events = tree.interfacesRemoved(Self.adapter, ["org.bluez.Adapter1"])
        #expect(events.count == 2)
        #expect(tree.devices.isEmpty && tree.adapters.isEmpty)
    }

    @Test func changesToUnknownObjectsAndInterfacesAreIgnored() {
        var tree = ObjectTree()
        _ = tree.reset(Self.objects)
        #expect(tree.propertiesChanged("/org/bluez/hci0/dev_00", interface: "org.bluez.Device1", changed: ["Paired": Variant(true)], invalidated: []).isEmpty)
        #expect(tree.propertiesChanged(Self.device, interface: "org.bluez.MediaControl1", changed: ["Connected": Variant(true)], invalidated: []).isEmpty)
        #expect(tree.disconnected("/nowhere", reason: "org.bluez.Reason.Remote", message: "").isEmpty)
        #expect(tree.interfacesRemoved("/nowhere", ["org.bluez.Device1"]).isEmpty)
    }

    @Test func onlyRealChangesAreReported() {
        var tree = ObjectTree()
        _ = tree.reset(Self.objects)
        #expect(tree.propertiesChanged(Self.device, interface: "org.bluez.Device1", changed: ["Name": Variant("WH-1000XM4")], invalidated: []).isEmpty)
        let events = tree.propertiesChanged(Self.device, interface: "org.bluez.Device1", changed: ["Connected": Variant(true), "RSSI": Variant("bad")], invalidated: ["Name"])
        guard case .deviceChanged(let device, let keys)? = events.first else {
            Issue.record("no change reported")
            return
        }
        #expect(keys == ["Connected", "Name"])
        #expect(device.connected && device.name == nil)
    }

    @Test func disconnectedCarriesTheReason() {
        var tree = ObjectTree()
        _ = tree.reset(Self.objects)
        let events = tree.disconnected(Self.device, reason: "org.bluez.Reason.Timeout", message: "Connection timeout")
        #expect(events == [.deviceDisconnected(tree.devices[Self.device]!, reason: .timeout, message: "Connection timeout")])
    }
}
