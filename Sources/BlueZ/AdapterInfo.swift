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
            default: continue
            }
            keys.insert(key)
        }
        return before == self ? [] : keys
    }
}
