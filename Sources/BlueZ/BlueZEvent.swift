
/// A change in BlueZ's object tree, as the mirror reports it.
public enum BlueZEvent: Sendable, Equatable {
    /// bluetoothd is on the bus and the mirror holds its complete tree.
    case available
    /// bluetoothd left the bus; the mirror is empty until it returns.
    case unavailable
    case adapterAdded(AdapterInfo)
    case adapterChanged(AdapterInfo, changed: Set<String>)
    case adapterRemoved(AdapterInfo)
    case deviceAdded(DeviceInfo)
    case deviceChanged(DeviceInfo, changed: Set<String>)
    case deviceRemoved(DeviceInfo)
    /// `Device1.Disconnected(reason, message)`, sent by BlueZ ≥ 5.83.
    case deviceDisconnected(DeviceInfo, reason: DisconnectReason, message: String)
}
