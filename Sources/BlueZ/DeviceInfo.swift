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
    /// `Battery1.Percentage`, when BlueZ has a battery for the device.
    public var battery: UInt8?

    public init(path: ObjectPath) { self.path = path }

    /// The name a person would recognise: BlueZ's `Alias` falls back to the
    /// address, so `Name` is preferred, then `Alias`.
    public var displayName: String { name ?? alias ?? address?.description ?? path.rawValue }

    /// Applies changed `Device1` properties; returns the names that changed.
    @discardableResult
    public mutating func apply(_ properties: [String: Variant]) -> Set<String> {
        var keys: Set<String> = []
        for (key, value) in properties {
            let before = self
            switch key {
            case "Adapter": adapter = value.get(ObjectPath.self)
            case "Address": address = value.get(String.self).flatMap(BluetoothAddress.init)
            case "AddressType": addressType = value.get(String.self)
            case "Name": name = value.get(String.self)
            case "Alias": alias = value.get(String.self)
            case "Icon": icon = value.get(String.self)
            case "Class": deviceClass = value.get(UInt32.self)
            case "Appearance": appearance = value.get(UInt16.self)
            case "UUIDs": uuids = value.get([String].self) ?? uuids
            case "Paired": paired = value.get(Bool.self) ?? paired
            case "Bonded": bonded = value.get(Bool.self) ?? bonded
            case "Trusted": trusted = value.get(Bool.self) ?? trusted
            case "Blocked": blocked = value.get(Bool.self) ?? blocked
            case "Connected": connected = value.get(Bool.self) ?? connected
            case "ServicesResolved": servicesResolved = value.get(Bool.self) ?? servicesResolved
            case "LegacyPairing": legacyPairing = value.get(Bool.self) ?? legacyPairing
            case "Modalias": modalias = value.get(String.self)
            case "RSSI": rssi = value.get(Int16.self)
            case "TxPower": txPower = value.get(Int16.self)
            case "ManufacturerData":
                var data: [UInt16: [UInt8]] = [:]
                for (company, payload) in value.get([UInt16: Variant].self) ?? [:] {
                    data[company] = payload.get([UInt8].self) ?? []
                }
                manufacturerData = data
            default: continue
            }
            if before != self { keys.insert(key) }
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
