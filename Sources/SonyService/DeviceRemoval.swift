import BlueZ
import DBus

/// The host half of a network reset, shared by `Forget` and `Repair`:
/// disconnect, then `RemoveDevice` for the device and its `LE_` twin.
struct DeviceRemoval {
    let bluez: BlueZClient

    /// Removes every BlueZ object with one of `addresses`, on any adapter. Done,
    /// too, when BlueZ has nothing left to remove.
    func remove(_ addresses: [String]) async throws(BlueZError) {
        let wanted = Set(addresses.map { $0.uppercased() })
        let targets = bluez.tree.devices.values.filter { device in
            device.address.map { wanted.contains($0.description) } ?? false
        }
        for device in targets.sorted(by: { $0.path.rawValue < $1.path.rawValue }) {
            // A failed disconnect is no reason to stop: RemoveDevice disconnects too.
            if device.connected { try? await bluez.disconnect(device.path) }
            do {
                try await bluez.removeDevice(device.path)
            } catch where error.kind == .doesNotExist || error.kind == .unknownObject {
                continue
            }
        }
    }
}
