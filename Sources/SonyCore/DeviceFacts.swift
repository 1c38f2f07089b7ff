/// What BlueZ tells about one `org.bluez.Device1` object, reduced to what identification
/// needs, with no D-Bus types so that this module stays pure.
///
/// Every field may be missing: BlueZ leaves out `Name` until it learns one, `Modalias`
/// until it reads a Device ID record, `Class` on LE objects, and so on. Identification
/// works with whatever is there.
public struct DeviceFacts: Sendable, Hashable {
    /// `Address`, e.g. `AA:BB:CC:DD:EE:FF`, any case.
    public var address: String?
    /// `Name`, as the device advertises it.
    public var name: String?
    /// `Alias`: the user's name for it, or BlueZ's fallback (the name, else the address).
    public var alias: String?
    /// `UUIDs`, any case.
    public var uuids: [String]
    /// `Modalias`, e.g. `usb:v054Cp0D58d0301`.
    public var modalias: String?
    /// The keys of `ManufacturerData`: Bluetooth SIG company ids.
    public var manufacturerIDs: [UInt16]
    /// `Class`, the Class of Device.
    public var deviceClass: UInt32?
    /// `Icon`, e.g. `audio-headset`.
    public var icon: String?

    public init(
        address: String? = nil,
        name: String? = nil,
        alias: String? = nil,
        uuids: [String] = [],
        modalias: String? = nil,
        manufacturerIDs: [UInt16] = [],
        deviceClass: UInt32? = nil,
        icon: String? = nil
    ) {
        self.address = address
        self.name = name
        self.alias = alias
        self.uuids = uuids
        self.modalias = modalias
        self.manufacturerIDs = manufacturerIDs
        self.deviceClass = deviceClass
        self.icon = icon
    }
}
