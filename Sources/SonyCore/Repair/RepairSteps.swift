/// The Bluetooth side of one repair of one device on one adapter.
///
/// The daemon implements it over BlueZ; the repair job only decides order, retries,
/// timeouts and outcomes, so that logic is tested without a bus.
public protocol RepairSteps: Sendable {
    /// Disconnects and removes the device, and its LE twin, from BlueZ.
    func forget() async throws(BluetoothFailure)
    /// Starts discovery filtered to the device.
    func startDiscovery() async throws(BluetoothFailure)
    /// Returns once BlueZ has the device (at once if it has it already).
    func deviceAppeared() async throws(BluetoothFailure)
    /// Pairs; done at once when the device is bonded already.
    func pair() async throws(BluetoothFailure)
    func trust() async throws(BluetoothFailure)
    func connect() async throws(BluetoothFailure)
    /// Returns once services are resolved and the audio sink profile is there.
    func audioProfileUp() async throws(BluetoothFailure)
    /// Returns a failure when the adapter or bluetoothd goes away during the repair;
    /// `nil` when cancelled first.
    func lost() async -> BluetoothFailure?
    /// Stops discovery if it was started and lets go of the pairing agent. Never
    /// cancelled, and called however the repair ended.
    func finish() async
}
