/// A D-Bus interface name such as `org.bluez.Device1`.
public struct InterfaceName: ValidatedName, Comparable {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
    public static func problem(with text: String) -> String? { NameRules.dottedProblem(text) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public static let properties: InterfaceName = "org.freedesktop.DBus.Properties"
    public static let introspectable: InterfaceName = "org.freedesktop.DBus.Introspectable"
    public static let peer: InterfaceName = "org.freedesktop.DBus.Peer"
    public static let objectManager: InterfaceName = "org.freedesktop.DBus.ObjectManager"
    public static let bus: InterfaceName = "org.freedesktop.DBus"
}
