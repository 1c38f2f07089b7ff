import BlueZ
import DBus

/// What bluetoothd's `GetManagedObjects` would answer if its objects were the
/// tree's: every property the mirror keeps, with BlueZ's types.
func managedObjects(of tree: ObjectTree) -> ObjectTree.Objects {
    var objects: ObjectTree.Objects = [:]
    for adapter in tree.adapters.values {
        objects[adapter.path, default: [:]]["org.bluez.Adapter1"] = properties(of: adapter)
    }
    for device in tree.devices.values {
        objects[device.path, default: [:]]["org.bluez.Device1"] = properties(of: device)
        if let battery = device.battery {
            objects[device.path, default: [:]]["org.bluez.Battery1"] = ["Percentage": Variant(battery)]
        }
        for transport in device.transports {
            objects[transport, default: [:]]["org.bluez.MediaTransport1"] = ["Device": Variant(device.path)]
        }
    }
    return objects
}

func properties(of adapter: AdapterInfo) -> [String: Variant] {
    var p: [String: Variant] = [
        "Powered": Variant(adapter.powered), "Discovering": Variant(adapter.discovering),
        "Discoverable": Variant(adapter.discoverable), "Pairable": Variant(adapter.pairable),
        "UUIDs": Variant(adapter.uuids), "Roles": Variant(adapter.roles),
    ]
    p["Address"] = adapter.address.map { Variant($0.description) }
    p["Name"] = adapter.name.map(Variant.init)
    p["Alias"] = adapter.alias.map(Variant.init)
    p["Modalias"] = adapter.modalias.map(Variant.init)
    p["AddressType"] = adapter.addressType.map(Variant.init)
    p["Class"] = adapter.adapterClass.map(Variant.init)
    p["Connectable"] = adapter.connectable.map(Variant.init)
    p["PowerState"] = adapter.powerState.map(Variant.init)
    p["PairableTimeout"] = adapter.pairableTimeout.map(Variant.init)
    p["DiscoverableTimeout"] = adapter.discoverableTimeout.map(Variant.init)
    p["Manufacturer"] = adapter.manufacturer.map(Variant.init)
    p["Version"] = adapter.version.map(Variant.init)
    return p
}

func properties(of device: DeviceInfo) -> [String: Variant] {
    var p: [String: Variant] = [
        "UUIDs": Variant(device.uuids), "Paired": Variant(device.paired), "Bonded": Variant(device.bonded),
        "Trusted": Variant(device.trusted), "Blocked": Variant(device.blocked), "Connected": Variant(device.connected),
        "ServicesResolved": Variant(device.servicesResolved), "LegacyPairing": Variant(device.legacyPairing),
        "AdvertisingFlags": Variant(device.advertisingFlags),
        "ManufacturerData": Variant(device.manufacturerData.mapValues { Variant($0) }),
    ]
    p["Adapter"] = device.adapter.map(Variant.init)
    p["Address"] = device.address.map { Variant($0.description) }
    p["AddressType"] = device.addressType.map(Variant.init)
    p["Name"] = device.name.map(Variant.init)
    p["Alias"] = device.alias.map(Variant.init)
    p["Icon"] = device.icon.map(Variant.init)
    p["Class"] = device.deviceClass.map(Variant.init)
    p["Appearance"] = device.appearance.map(Variant.init)
    p["Modalias"] = device.modalias.map(Variant.init)
    p["RSSI"] = device.rssi.map(Variant.init)
    p["TxPower"] = device.txPower.map(Variant.init)
    p["WakeAllowed"] = device.wakeAllowed.map(Variant.init)
    p["PreferredBearer"] = device.preferredBearer.map(Variant.init)
    return p
}
