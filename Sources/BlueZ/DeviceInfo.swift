public import DBus

/// What BlueZ says about one remote device (`org.bluez.Device1`, with
/// `org.bluez.Battery1` folded in).
///
/// Missing properties keep their defaults and values of an unexpected type are
/// ignored: the mirror must survive any bluetoothd, and any peer pretending to be one.
public struct DeviceInfo: Sendable, Equatable {
    public let path: ObjectPath
    public var adapter: ObjectPath?
    public var address: BluetoothAddress?
    public var addressType: String?
    public var name: String?
    public var alias: String?
    public var icon: String?
    public var deviceClass: UInt32?
    public var appearance: UInt16?
    public var uuids: [String] = []
    public var paired = false
    public var bonded = false
    public var trusted = false
    public var blocked = false
    public var connected = false
    public var servicesResolved = false
    public var legacyPairing = false
    public var modalias: String?
    public var rssi: Int16?
    public var txPower: Int16?
    /// Company id → payload (`ManufacturerData`, `a{qv}` of byte arrays).
    public var manufacturerData: [UInt16: [UInt8]] = [:]
    public var wakeAllowed: Bool?
    /// `last-used`, `bredr`, `le`, `last-seen` (experimental, BlueZ ≥ 5.80).
    public var preferredBearer: String?
    public var advertisingFlags: [UInt8] = []
    /// `Battery1.Percentage`, when BlueZ has a battery for the device.
    public var battery: UInt8?
    /// The device's `MediaTransport1` objects: an A2DP stream is set up. bluetoothd
    /// 5.66 can leave `ServicesResolved` false after reconnecting by itself while
    /// one is there, so this, too, says the audio profile is up.
    public var transports: Set<ObjectPath> = []

    public var hasAudioTransport: Bool { !transports.isEmpty }

    public init(path: ObjectPath) { self.path = path }

    /// The name a person would recognise: BlueZ's `Alias` falls back to the
    /// address, so `Name` is preferred, then `Alias`.
    public var displayName: String { name ?? alias ?? address?.description ?? path.rawValue }

    /// Applies changed `Device1` properties; returns the names that changed.
    @discardableResult
    public mutating func apply(_ properties: [String: Variant]) -> Set<String> {
        apply(entries: properties.map { ($0.key, $0.value.value) })
    }

    /// Applies `(name, value)` pairs straight from a decoded reply, without
    /// building a dictionary first: the path a 1000-device sync takes.
    @discardableResult
    public mutating func apply(entries: [(key: String, value: DBusValue)]) -> Set<String> {
        var keys: Set<String> = []
        for (key, wrapped) in entries {
            let value = wrapped.unwrapped
            let changed: Bool
            switch key {
            case "Adapter": changed = assign(&adapter, value.objectPathValue)
            case "Address": changed = assign(&address, value.stringValue.flatMap(BluetoothAddress.init))
            case "AddressType": changed = assign(&addressType, value.stringValue)
            case "Name": changed = assign(&name, value.stringValue)
            case "Alias": changed = assign(&alias, value.stringValue)
            case "Icon": changed = assign(&icon, value.stringValue)
            case "Class": changed = assign(&deviceClass, value.uint32Value)
            case "Appearance": changed = assign(&appearance, value.uint16Value)
            case "UUIDs": changed = assign(&uuids, value.stringArrayValue ?? uuids)
            case "Paired": changed = assign(&paired, value.boolValue ?? paired)
            case "Bonded": changed = assign(&bonded, value.boolValue ?? bonded)
            case "Trusted": changed = assign(&trusted, value.boolValue ?? trusted)
            case "Blocked": changed = assign(&blocked, value.boolValue ?? blocked)
            case "Connected": changed = assign(&connected, value.boolValue ?? connected)
            case "ServicesResolved": changed = assign(&servicesResolved, value.boolValue ?? servicesResolved)
            case "LegacyPairing": changed = assign(&legacyPairing, value.boolValue ?? legacyPairing)
            case "Modalias": changed = assign(&modalias, value.stringValue)
            case "RSSI": changed = assign(&rssi, value.int16Value)
            case "TxPower": changed = assign(&txPower, value.int16Value)
            case "WakeAllowed": changed = assign(&wakeAllowed, value.boolValue)
            case "PreferredBearer": changed = assign(&preferredBearer, value.stringValue)
            case "AdvertisingFlags": changed = assign(&advertisingFlags, value.byteArrayValue ?? [])
            case "ManufacturerData":
                var data: [UInt16: [UInt8]] = [:]
                if case .dictionary(.uint16, _, let companies) = value {
                    for entry in companies {
                        guard let company = entry.key.uint16Value else { continue }
                        data[company] = entry.value.unwrapped.byteArrayValue ?? []
                    }
                }
                changed = assign(&manufacturerData, data)
            default: changed = false
            }
            if changed { keys.insert(key) }
        }
        return keys
    }

    /// Forgets properties BlueZ invalidated (sent without a value).
    @discardableResult
    public mutating func invalidate(_ names: [String]) -> Set<String> {
        var keys: Set<String> = []
        for key in names {
            let before = self
            switch key {
            case "Name": name = nil
            case "Alias": alias = nil
            case "Modalias": modalias = nil
            case "RSSI": rssi = nil
            case "TxPower": txPower = nil
            case "ManufacturerData": manufacturerData = [:]
            case "Icon": icon = nil
            case "Class": deviceClass = nil
            default: continue
            }
            if before != self { keys.insert(key) }
        }
        return keys
    }
}

/// Sets `field` to `value`; true if that changed it.
func assign<T: Equatable>(_ field: inout T, _ value: T) -> Bool {
    guard field != value else { return false }
    field = value
    return true
}
