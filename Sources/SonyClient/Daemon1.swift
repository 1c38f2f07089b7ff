public import DBus

/// The names of `org.sonyctl.Daemon1` a client needs (DESIGN.md's contract).
///
/// The client keeps its own copy rather than importing the daemon's module:
/// a client must build and run without linking the service it talks to.
public enum Daemon1 {
    public static let bus: BusName = "org.sonyctl.Daemon1"
    public static let manager: ObjectPath = "/org/sonyctl/Daemon1"
    public static let managerInterface: InterfaceName = "org.sonyctl.Daemon1.Manager"
    public static let deviceInterface: InterfaceName = "org.sonyctl.Daemon1.Device"
    /// Every daemon error name starts with this.
    public static let errorPrefix = "org.sonyctl.Daemon1.Error."
}
