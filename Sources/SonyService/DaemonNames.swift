public import DBus

/// The names of DESIGN.md's contract, in one place.
public enum DaemonNames {
    public static let busName: BusName = "org.sonyctl.Daemon1"
    public static let managerPath: ObjectPath = "/org/sonyctl/Daemon1"
    public static let devicesPath: ObjectPath = "/org/sonyctl/Daemon1/devices"
    public static let managerInterface: InterfaceName = "org.sonyctl.Daemon1.Manager"
    public static let deviceInterface: InterfaceName = "org.sonyctl.Daemon1.Device"
    public static let manageAction = "org.sonyctl.manage"
    public static let version = "0.1.0"

    /// `/org/sonyctl/Daemon1/devices/dev_AA_BB_CC_DD_EE_FF` for `AA:BB:CC:DD:EE:FF`.
    public static func devicePath(for address: String) -> ObjectPath? {
        devicesPath.appending("dev_" + address.uppercased().map { $0 == ":" ? "_" : String($0) }.joined())
    }
}
