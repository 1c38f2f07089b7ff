import BlueZ
import DBus
import Executors
import Logging
import SonyCore

extension SonyDaemon {
    /// `Device.Repair`: validates, authorizes, starts the job (or answers
    /// `Busy`), and replies when the job has ended.
    func repair(_ address: String, _ call: MethodCall) async throws {
        let options = try RepairOptions(dbus: call.arguments([String: Variant].self))
        try await authorizer.authorize(call)
        guard bluez.isAvailable else { throw DaemonError(.bluezUnavailable, "bluetoothd is not running") }
        let (record, twin, lastAdapter) = record(for: address)
        guard let record, let bluetoothAddress = BluetoothAddress(address) else {
            throw DaemonError(.unknownDevice, "no Sony device \(address)")
        }
        let adapter = try chooseAdapter(record.bluez?.adapter ?? lastAdapter)
        let name = record.sony.name ?? record.bluez?.name ?? record.sony.model?.id ?? "the headset"
        let job = RepairJob(
            steps: BlueZRepairSteps(bluez: bluez, agent: agent, adapter: adapter, address: bluetoothAddress, twin: twin),
            options: options, policy: configuration.repair, clock: TimerClock(),
            deviceName: "\(name) (\(address))",
            instructions: PairingInstructions.text(for: record.sony.model, deviceName: name))
        // The job holds the daemon only while it runs.
        let task = try repairs.start(address: address, adapter: adapter) {
            self.logger.notice("repair started", metadata: [
                "device": "\(address)", "adapter": "\(BlueZPaths.name(of: adapter))", "by": "\(call.sender?.rawValue ?? "?")",
                "timeout": "\(options.deviceTimeout.components.seconds)s", "skip-forget": "\(options.skipForget)",
            ])
            var started = HistoryEvent(time: self.clock.now(), address: address, kind: .repairStarted)
            started.adapter = BlueZPaths.name(of: adapter)
            await self.watch.record(started)
            // Its forget and reconnects take the link down on purpose: no drops to count.
            let outcome = await self.watch.deliberately(address) {
                await job.run { event in self.report(event, for: address) }
            }
            await self.finished(outcome, for: address)
            return outcome
        }
        switch await task.value {
        case .succeeded: return
        case .cancelled(let message): throw DaemonError(.cancelled, message)
        case .failed(let failure, let message): throw DaemonError(failure.daemonError, message)
        }
    }

    /// `Device.CancelRepair`: returns once the job has stopped and cleaned up.
    func cancelRepair(_ address: String, _ call: MethodCall) async throws {
        try await authorizer.authorize(call)
        guard let task = repairs.task(for: address) else {
            throw DaemonError(.notRepairing, "no repair of \(address) is running")
        }
        task.cancel()
        _ = await task.value
    }

    /// The device's last adapter while it still exists, else the first one
    /// that is powered: the one a user would pair it on.
    private func chooseAdapter(_ preferred: ObjectPath?) throws(DaemonError) -> ObjectPath {
        let adapters = bluez.tree.adapters
        if let preferred, let adapter = adapters[preferred] {
            guard adapter.powered else {
                throw DaemonError(.adapterPoweredOff, "\(adapter.id) is powered off: turn Bluetooth on and try again")
            }
            return preferred
        }
        let sorted = adapters.values.sorted { $0.id < $1.id }
        guard let first = sorted.first else { throw DaemonError(.noAdapter, "there is no Bluetooth adapter") }
        guard let powered = sorted.first(where: \.powered) else {
            throw DaemonError(.adapterPoweredOff, "\(first.id) is powered off: turn Bluetooth on and try again")
        }
        return powered.path
    }

    /// Turns the job's events into `RepairState`, `RepairProgress` and log lines.
    private func report(_ event: RepairEvent, for address: String) {
        switch event {
        case .entered(let stage, let message):
            logger.info("repair stage", metadata: ["device": "\(address)", "stage": "\(stage.rawValue)"])
            guard let object = object(for: address) else { return }
            try? object.setProperty("RepairState", of: DaemonNames.deviceInterface, to: .string(stage.rawValue))
            try? object.emit("RepairProgress", of: DaemonNames.deviceInterface, [.string(stage.rawValue), .string(message)])
        case .retrying(let stage, let attempt, let attempts, let delay, let failure):
            logger.info("repair retrying", metadata: [
                "device": "\(address)", "stage": "\(stage.rawValue)", "attempt": attempts > 0 ? "\(attempt)/\(attempts)" : "\(attempt)",
                "delay": "\(delay)", "error": "\(failure)",
            ])
        }
    }

    /// `RepairFinished`, the history event and the log line of an ended repair.
    private func finished(_ outcome: RepairOutcome, for address: String) async {
        let errorName: String
        var event = HistoryEvent(time: clock.now(), address: address, kind: .repairSucceeded)
        switch outcome {
        case .succeeded:
            errorName = ""
            logger.notice("repair succeeded", metadata: ["device": "\(address)"])
        case .cancelled:
            errorName = DaemonError(.cancelled, "").name.rawValue
            event.kind = .repairCancelled
            logger.notice("repair cancelled", metadata: ["device": "\(address)"])
        case .failed(let failure, _):
            errorName = DaemonError(failure.daemonError, "").name.rawValue
            event.kind = .repairFailed
            event.error = errorName
            logger.warning("repair failed", metadata: ["device": "\(address)", "error": "\(errorName)", "message": "\(outcome.message)"])
        }
        if outcome != .succeeded { event.message = outcome.message }
        // After what the repair caused has been recorded, and timed after it too.
        await caughtUp()
        event.time = clock.now()
        try? object(for: address)?.emit(
            "RepairFinished", of: DaemonNames.deviceInterface,
            [.boolean(outcome == .succeeded), .string(errorName), .string(outcome.message)])
        await watch.record(event)
    }
}

extension RepairOutcome.Failure {
    var daemonError: DaemonError.Kind {
        switch self {
        case .noAdapter: return .noAdapter
        case .adapterPoweredOff: return .adapterPoweredOff
        case .bluezUnavailable: return .bluezUnavailable
        case .timeout: return .timeout
        case .pairingFailed: return .pairingFailed
        case .connectFailed: return .connectFailed
        case .failed: return .failed
        }
    }
}
