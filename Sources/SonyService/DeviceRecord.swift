public import BlueZ
import DBus
public import SonyCore

/// What the daemon knows of one Sony device: its identification, and what
/// BlueZ says about it while BlueZ has it.
public struct DeviceRecord: Sendable, Equatable {
    public var sony: SonyDevice
    /// The BlueZ object, while BlueZ has the device.
    public var bluez: DeviceInfo?

    public var address: String { sony.address }
    public var isPresent: Bool { bluez != nil }

    /// The values of the `org.sonyctl.Daemon1.Device` properties this record decides.
    var properties: [MemberName: DBusValue] {
        let device = bluez
        return [
            "Address": .string(sony.address),
            "Name": .string(device?.name ?? sony.name ?? device?.alias ?? ""),
            "Model": .string(sony.model?.id ?? ""),
            "Evidence": .array(.string, sony.evidence.map { .string($0.rawValue) }),
            "Adapter": .string(device?.adapter.map(BlueZPaths.name(of:)) ?? ""),
            "Present": .boolean(device != nil),
            "Paired": .boolean(device?.paired ?? false),
            "Trusted": .boolean(device?.trusted ?? false),
            "Connected": .boolean(device?.connected ?? false),
            "Battery": .int32(device?.battery.map(Int32.init) ?? -1),
        ]
    }
}
