public import DBus

/// What BlueZ says about one adapter (`org.bluez.Adapter1`).
///
/// Every property is optional in practice: older or newer bluetoothd versions
/// omit some, and a property of an unexpected type is ignored, not trusted.
public struct AdapterInfo: Sendable, Equatable {
    public let path: ObjectPath
    public var address: BluetoothAddress?
    public var name: String?
    public var alias: String?
    public var powered = false
    public var discovering = false
    public var discoverable = false
    public var pairable = false
    public var uuids: [String] = []
    public var roles: [String] = []
    public var modalias: String?
    public var addressType: String?
    public var adapterClass: UInt32?
    public var connectable: Bool?
    /// `on`, `off`, `off-enabling`, `on-disabling`, `off-blocked` (experimental).
    public var powerState: String?
    public var pairableTimeout: UInt32?
    public var discoverableTimeout: UInt32?
    public var manufacturer: UInt16?
    public var version: UInt8?

    public init(path: ObjectPath) { self.path = path }

    /// `hci0` for `/org/bluez/hci0`.
    public var id: String { BlueZPaths.lastElement(of: path) }

    /// Applies changed properties; returns the names that changed.
    @discardableResult
    public mutating func apply(_ properties: [String: Variant]) -> Set<String> {
        let before = self
        var keys: Set<String> = []
        for (key, value) in properties {
            switch key {
            case "Address": if let v = value.get(String.self) { address = BluetoothAddress(v) }
            case "Name": name = value.get(String.self)
            case "Alias": alias = value.get(String.self)
            case "Powered": if let v = value.get(Bool.self) { powered = v }
            case "Discovering": if let v = value.get(Bool.self) { discovering = v }
            case "Discoverable": if let v = value.get(Bool.self) { discoverable = v }
            case "Pairable": if let v = value.get(Bool.self) { pairable = v }
            case "UUIDs": if let v = value.get([String].self) { uuids = v }
            case "Roles": if let v = value.get([String].self) { roles = v }
            case "Modalias": modalias = value.get(String.self)
            case "AddressType": addressType = value.get(String.self)
            case "Class": adapterClass = value.get(UInt32.self)
            case "Connectable": connectable = value.get(Bool.self)
            case "PowerState": powerState = value.get(String.self)
            case "PairableTimeout": pairableTimeout = value.get(UInt32.self)
            case "DiscoverableTimeout": discoverableTimeout = value.get(UInt32.self)
            case "Manufacturer": manufacturer = value.get(UInt16.self)
            case "Version": version = value.get(UInt8.self)
            default: continue
            }
            keys.insert(key)
        }
        return before == self ? [] : keys
    }
}
