public import BlueZ
public import SonyCore

extension DeviceFacts {
    /// What identification needs of a device BlueZ reports; the daemon is the
    /// one place that knows both BlueZ and SonyCore.
    public init(_ device: DeviceInfo) {
        self.init(
            address: device.address?.description,
            name: device.name,
            alias: device.alias,
            uuids: device.uuids,
            modalias: device.modalias.flatMap { $0.isEmpty ? nil : $0 },
            manufacturerIDs: device.manufacturerData.keys.sorted(),
            deviceClass: device.deviceClass.flatMap { $0 == 0 ? nil : $0 },
            icon: device.icon.flatMap { $0.isEmpty ? nil : $0 })
    }
}
