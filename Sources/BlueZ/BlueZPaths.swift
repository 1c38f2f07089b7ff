public import DBus

/// The one place that knows how BlueZ lays out its object paths.
public enum BlueZPaths {
    public static let service: BusName = "org.bluez"
    public static let root: ObjectPath = "/org/bluez"
    public static let adapterInterface: InterfaceName = "org.bluez.Adapter1"
    public static let deviceInterface: InterfaceName = "org.bluez.Device1"
    public static let batteryInterface: InterfaceName = "org.bluez.Battery1"
    public static let transportInterface: InterfaceName = "org.bluez.MediaTransport1"
    public static let agentManagerInterface: InterfaceName = "org.bluez.AgentManager1"

    /// `hci0` for `/org/bluez/hci0`: the last element of a path.
    public static func name(of path: ObjectPath) -> String { lastElement(of: path) }

    static func lastElement(of path: ObjectPath) -> String {
        path.rawValue.split(separator: "/").last.map(String.init) ?? ""
    }

    /// `/org/bluez/hci0` for `/org/bluez/hci0/dev_AA_…`.
    public static func adapter(of device: ObjectPath) -> ObjectPath? {
        let parts = device.rawValue.split(separator: "/")
        guard parts.count >= 4 else { return nil }
        return try? ObjectPath("/" + parts.prefix(3).joined(separator: "/"))
    }

    /// The device object BlueZ would use for `address` on `adapter`.
    public static func device(_ address: BluetoothAddress, on adapter: ObjectPath) -> ObjectPath? {
        adapter.appending(address.pathElement)
    }
}
