import BlueZ
import DBus
import SonyCore
import Locking

/// `RepairSteps` over the real BlueZ: one device on one adapter.
///
/// Every BlueZ failure is classified with what the mirror says at that moment,
/// so that "NotReady" on a powered-off adapter reads as the adapter being off
/// and a call cut short by bluetoothd leaving reads as bluetoothd gone.
final class BlueZRepairSteps: RepairSteps {
    let bluez: BlueZClient
    let agent: BlueZAgent
    let adapter: ObjectPath
    let address: BluetoothAddress
    /// The `LE_` twin, removed with the device.
    let twin: String?
    private let state = Lock(State())

    private struct State {
        var discovering = false
        var holdsAgent = false
    }

    init(bluez: BlueZClient, agent: BlueZAgent, adapter: ObjectPath, address: BluetoothAddress, twin: String?) {
        self.bluez = bluez
        self.agent = agent
        self.adapter = adapter
        self.address = address
        self.twin = twin
    }

    /// The device as the mirror has it now, on our adapter.
    private var device: DeviceInfo? {
        bluez.tree.devices.values.first { $0.address == address && $0.adapter == adapter }
    }

    private func devicePath() async throws(BluetoothFailure) -> ObjectPath {
        guard let device else { throw await classify(BlueZError(.doesNotExist, message: "BlueZ no longer has \(address)")) }
        return device.path
    }

    func forget() async throws(BluetoothFailure) {
        do {
            try await DeviceRemoval(bluez: bluez).remove([address.description] + (twin.map { [$0] } ?? []))
        } catch {
            throw await classify(error)
        }
    }

    func startDiscovery() async throws(BluetoothFailure) {
        // Only this device, only classic: the audio side of a headset is BR/EDR,
        // and the LE twin showing up instead would be no use.
        let filter = DiscoveryFilter(transport: .bredr, pattern: address.description)
        let ours = state.withLock { $0.discovering }
        do {
            try await bluez.setDiscoveryFilter(adapter, filter)
            // Ours from the moment bluetoothd may have it: a repair cancelled before the
            // answer comes still stops what the call started (found by the soak: else
            // every later repair on the adapter got InProgress).
            state.withLock { $0.discovering = true }
            try await bluez.startDiscovery(adapter)
        } catch where error.kind == .inProgress && ours {
            // Our own session is already running (a retry after a transient failure).
        } catch {
            // bluetoothd's own refusal started nothing; no answer at all (cancelled, timed
            // out) may have.
            if error.kind != .other { state.withLock { $0.discovering = ours } }
            // InProgress without a session of ours is not ours: a bluetoothd restarted
            // while the kernel's inquiry still ran (seen in the VM tier) answers so and
            // starts nothing. Transient: tried again after a pause.
            throw await classify(error)
        }
    }

    func deviceAppeared() async throws(BluetoothFailure) {
        do {
            _ = try await bluez.first { self.device }
        } catch {
            throw BluetoothFailure(.refused, "cancelled")
        }
        // Paging while inquiry runs is slow and flaky on many controllers.
        await stopDiscovery()
    }

    func pair() async throws(BluetoothFailure) {
        let path = try await devicePath()
        if device?.paired == true { return }
        if !state.withLock({ $0.holdsAgent }) {
            await agent.acquire()
            state.withLock { $0.holdsAgent = true }
        }
        do {
            try await bluez.pair(path)
        } catch where error.kind == .alreadyExists {
            // Bonded by now (a retry whose first try got through): that is what we wanted.
        } catch {
            throw await classify(error)
        }
    }

    func trust() async throws(BluetoothFailure) {
        let path = try await devicePath()
        do { try await bluez.setTrusted(path, true) } catch { throw await classify(error) }
    }

    func connect() async throws(BluetoothFailure) {
        let path = try await devicePath()
        do {
            try await bluez.connect(path)
        } catch where error.kind == .alreadyConnected {
            // Pair left the link and its profiles up.
        } catch {
            throw await classify(error)
        }
    }

    func audioProfileUp() async throws(BluetoothFailure) {
        do {
            _ = try await bluez.first { () -> Bool? in self.device?.audioProfileUp == true ? true : nil }
        } catch {
            throw BluetoothFailure(.refused, "cancelled")
        }
    }

    func lost() async -> BluetoothFailure? {
        try? await bluez.first { () -> BluetoothFailure? in
            let failure = self.environment()
            return failure
        }
    }

    func finish() async {
        await stopDiscovery()
        let holdsAgent = state.withLock { s in
            defer { s.holdsAgent = false }
            return s.holdsAgent
        }
        if holdsAgent { await agent.release() }
    }

    private func stopDiscovery() async {
        let discovering = state.withLock { s in
            defer { s.discovering = false }
            return s.discovering
        }
        guard discovering, bluez.isAvailable, bluez.tree.adapters[adapter] != nil else { return }
        try? await bluez.stopDiscovery(adapter)
        // Leave no filter behind: the desktop's own scans are not ours to narrow.
        try? await bluez.setDiscoveryFilter(adapter, nil)
    }

    /// What went wrong around the device, if anything: bluetoothd or the adapter gone, or the adapter off.
    private func environment() -> BluetoothFailure? {
        guard bluez.isAvailable else { return BluetoothFailure(.bluezGone, "bluetoothd is not on the bus") }
        guard let info = bluez.tree.adapters[adapter] else {
            return BluetoothFailure(.adapterGone, "\(BlueZPaths.name(of: adapter)) was removed")
        }
        guard info.powered else { return BluetoothFailure(.adapterOff, "\(BlueZPaths.name(of: adapter)) is powered off") }
        return nil
    }

    private func classify(_ error: BlueZError) async -> BluetoothFailure {
        if error.kind == .bluezUnavailable { return BluetoothFailure(.bluezGone, error.description) }
        // Not bluetoothd's own answer (the bus's NoReply when it died mid-call):
        // the bus says whether it is still there before the mirror may know.
        if !error.name.hasPrefix("org.bluez."), await !bluez.stillFollowed() {
            return BluetoothFailure(.bluezGone, "bluetoothd left the bus (\(error))")
        }
        if let failure = environment() { return BluetoothFailure(failure.kind, "\(error) (\(failure.detail))") }
        return BluetoothFailure(error.isTransient ? .transient : .refused, error.description)
    }
}
