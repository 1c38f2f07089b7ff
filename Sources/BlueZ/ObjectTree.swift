public import DBus

/// BlueZ's adapters and devices as plain values, updated from
/// `GetManagedObjects` and the ObjectManager and Properties signals.
///
/// Pure: it turns each input into the events it implies, so the rules (what a
/// removal of `Battery1` means, what an unknown path means) are tested without a bus.
public struct ObjectTree: Sendable, Equatable {
    public private(set) var adapters: [ObjectPath: AdapterInfo] = [:]
    public private(set) var devices: [ObjectPath: DeviceInfo] = [:]

    public init() {}

    public typealias Objects = [ObjectPath: [String: [String: Variant]]]

    /// Replaces everything with a fresh `GetManagedObjects` answer.
    public mutating func reset(_ objects: Objects) -> [BlueZEvent] {
        let tree = objects.map { path, interfaces in
            (path, interfaces.map { ($0.key, $0.value.map { (key: $0.key, value: $0.value.value) }) })
        }
        return reset(tree)
    }

    /// The same from the reply as decoded, `a{oa{sa{sv}}}`, without building
    /// typed dictionaries first; anything of another shape is skipped.
    public mutating func reset(managedObjects value: DBusValue) -> [BlueZEvent] {
        guard case .dictionary(.objectPath, _, let entries) = value else { return reset(Objects()) }
        let tree = entries.compactMap { entry -> (ObjectPath, Interfaces)? in
            guard let path = entry.key.objectPathValue, let interfaces = entry.value.stringKeyedEntries else { return nil }
            return (path, interfaces.map { ($0.key, $0.value.stringKeyedEntries ?? []) })
        }
        return reset(tree)
    }

    private typealias Interfaces = [(String, [(key: String, value: DBusValue)])]

    private mutating func reset(_ objects: [(ObjectPath, Interfaces)]) -> [BlueZEvent] {
        // The wire lets a dictionary repeat a key. Each path and each interface counts
        // once, the last time, as in the typed `Objects`: taking every repeat would
        // report events for a state the tree does not end in.
        let objects = Dictionary(objects, uniquingKeysWith: { $1 }).sorted { $0.key < $1.key }
        var fresh = ObjectTree()
        var added: [BlueZEvent] = []
        var addedDevices: [BlueZEvent] = []
        let transports = Self.transports(in: objects)
        for (path, interfaces) in objects {
            if let properties = interfaces.last(where: { $0.0 == BlueZPaths.adapterInterface.rawValue })?.1 {
                var adapter = AdapterInfo(path: path)
                adapter.apply(Dictionary(properties.map { ($0.key, Variant($0.value.unwrapped)) }, uniquingKeysWith: { $1 }))
                fresh.adapters[path] = adapter
                if let before = adapters[path] {
                    if before != adapter { added.append(.adapterChanged(adapter, changed: ["*"])) }
                } else {
                    added.append(.adapterAdded(adapter))
                }
            }
            guard let properties = interfaces.last(where: { $0.0 == BlueZPaths.deviceInterface.rawValue })?.1 else { continue }
            var device = DeviceInfo(path: path)
            device.apply(entries: properties)
            device.battery = interfaces.last(where: { $0.0 == BlueZPaths.batteryInterface.rawValue })?.1
                .last(where: { $0.key == "Percentage" })?.value.unwrapped.byteValue
            device.transports = transports[path] ?? []
            fresh.devices[path] = device
            if let before = devices[path] {
                if before != device { addedDevices.append(.deviceChanged(device, changed: ["*"])) }
            } else {
                addedDevices.append(.deviceAdded(device))
            }
        }
        // Removals first, then adapters before devices, so a consumer never
        // sees a device of an adapter it does not know.
        var events: [BlueZEvent] = devices.values.filter { fresh.devices[$0.path] == nil }.sorted { $0.path < $1.path }.map(BlueZEvent.deviceRemoved)
        events += adapters.values.filter { fresh.adapters[$0.path] == nil }.sorted { $0.path < $1.path }.map(BlueZEvent.adapterRemoved)
        self = fresh
        return events + added + addedDevices
    }

    /// Each device's `MediaTransport1` objects, by the transport's `Device` property
    /// or, without one, by path.
    private static func transports(in objects: [(key: ObjectPath, value: Interfaces)]) -> [ObjectPath: Set<ObjectPath>] {
        let devicePaths = objects.filter { $0.value.contains { $0.0 == BlueZPaths.deviceInterface.rawValue } }.map(\.key)
        var owned: [ObjectPath: Set<ObjectPath>] = [:]
        for (path, interfaces) in objects {
            guard let transport = interfaces.last(where: { $0.0 == BlueZPaths.transportInterface.rawValue })?.1 else { continue }
            let owner = transport.last(where: { $0.key == "Device" })?.value.unwrapped.objectPathValue
                ?? devicePaths.first { path.isInNamespace($0) }
            if let owner { owned[owner, default: []].insert(path) }
        }
        return owned
    }

    public mutating func interfacesAdded(_ path: ObjectPath, _ interfaces: [String: [String: Variant]]) -> [BlueZEvent] {
        var events: [BlueZEvent] = []
        if let props = interfaces[BlueZPaths.adapterInterface.rawValue] {
            var adapter = adapters[path] ?? AdapterInfo(path: path)
            let changed = adapter.apply(props)
            let isNew = adapters[path] == nil
            adapters[path] = adapter
            events.append(isNew ? .adapterAdded(adapter) : .adapterChanged(adapter, changed: changed))
        }
        if let props = interfaces[BlueZPaths.deviceInterface.rawValue] {
            var device = devices[path] ?? DeviceInfo(path: path)
            let changed = device.apply(props)
            if let battery = interfaces[BlueZPaths.batteryInterface.rawValue] { device.battery = battery["Percentage"]?.get(UInt8.self) }
            let isNew = devices[path] == nil
            devices[path] = device
            events.append(isNew ? .deviceAdded(device) : .deviceChanged(device, changed: changed))
        } else if let transport = interfaces[BlueZPaths.transportInterface.rawValue] {
            let owner = transport["Device"]?.get(ObjectPath.self) ?? devices.keys.first { path.isInNamespace($0) }
            if let owner, devices[owner]?.transports.insert(path).inserted == true, let device = devices[owner] {
                events.append(.deviceChanged(device, changed: ["Transport"]))
            }
        } else if let battery = interfaces[BlueZPaths.batteryInterface.rawValue], var device = devices[path] {
            let level = battery["Percentage"]?.get(UInt8.self)
            if device.battery != level {
                device.battery = level
                devices[path] = device
                events.append(.deviceChanged(device, changed: ["Battery"]))
            }
        }
        return events
    }

    public mutating func interfacesRemoved(_ path: ObjectPath, _ interfaces: [String]) -> [BlueZEvent] {
        var events: [BlueZEvent] = []
        if interfaces.contains(BlueZPaths.deviceInterface.rawValue), let device = devices.removeValue(forKey: path) {
            events.append(.deviceRemoved(device))
        } else if interfaces.contains(BlueZPaths.transportInterface.rawValue),
                  let owner = devices.values.first(where: { $0.transports.contains(path) })?.path {
            devices[owner]?.transports.remove(path)
            if let device = devices[owner] { events.append(.deviceChanged(device, changed: ["Transport"])) }
        } else if interfaces.contains(BlueZPaths.batteryInterface.rawValue), var device = devices[path], device.battery != nil {
            device.battery = nil
            devices[path] = device
            events.append(.deviceChanged(device, changed: ["Battery"]))
        }
        if interfaces.contains(BlueZPaths.adapterInterface.rawValue), let adapter = adapters.removeValue(forKey: path) {
            // BlueZ removes an adapter's devices first, but a consumer must not
            // be left holding devices of an adapter that no longer exists.
            for device in devices.values.filter({ $0.path.isInNamespace(path) }).sorted(by: { $0.path < $1.path }) {
                devices[device.path] = nil
                events.append(.deviceRemoved(device))
            }
            events.append(.adapterRemoved(adapter))
        }
        return events
    }

    public mutating func propertiesChanged(_ path: ObjectPath, interface: String, changed: [String: Variant], invalidated: [String]) -> [BlueZEvent] {
        propertiesChanged(path, interface: interface, entries: changed.map { ($0.key, $0.value.value) }, invalidated: invalidated)
    }

    /// The same straight from the decoded signal, without a dictionary in between:
    /// the path every RSSI change of a discovery storm takes.
    public mutating func propertiesChanged(
        _ path: ObjectPath, interface: String, entries: [(key: String, value: DBusValue)], invalidated: [String]
    ) -> [BlueZEvent] {
        switch interface {
        case BlueZPaths.deviceInterface.rawValue:
            // Changed in place: a copy of the device per signal is what a storm cannot afford.
            guard let keys = devices[path]?.apply(entries: entries).union(invalidated.isEmpty ? [] : devices[path]?.invalidate(invalidated) ?? []),
                  !keys.isEmpty, let device = devices[path] else { return [] }
            return [.deviceChanged(device, changed: keys)]
        case BlueZPaths.batteryInterface.rawValue:
            guard var device = devices[path], let level = entries.last(where: { $0.key == "Percentage" })?.value.unwrapped.byteValue,
                  device.battery != level else { return [] }
            device.battery = level
            devices[path] = device
            return [.deviceChanged(device, changed: ["Battery"])]
        case BlueZPaths.adapterInterface.rawValue:
            guard var adapter = adapters[path] else { return [] }
            let keys = adapter.apply(Dictionary(entries.map { ($0.key, Variant($0.value.unwrapped)) }, uniquingKeysWith: { $1 }))
            adapters[path] = adapter
            return keys.isEmpty ? [] : [.adapterChanged(adapter, changed: keys)]
        default:
            return []
        }
    }

    public mutating func disconnected(_ path: ObjectPath, reason: String, message: String) -> [BlueZEvent] {
        guard let device = devices[path] else { return [] }
        return [.deviceDisconnected(device, reason: DisconnectReason(bluezName: reason), message: message)]
    }

    /// Empties the tree (bluetoothd left), reporting every removal.
    public mutating func clear() -> [BlueZEvent] {
        let events = devices.values.sorted { $0.path < $1.path }.map(BlueZEvent.deviceRemoved)
            + adapters.values.sorted { $0.path < $1.path }.map(BlueZEvent.adapterRemoved)
        self = ObjectTree()
        return events
    }
}
