import Locking

/// One repair of one device: forget → wait for the device in pairing mode → pair →
/// trust → connect → verify the audio profile.
///
/// Pure logic over `RepairSteps` and a clock: it decides the order, retries transient
/// failures with a doubling pause, bounds the waits, and turns every way of ending
/// into one `RepairOutcome`. Cancelling the task running `run` cancels the repair.
public struct RepairJob<Steps: RepairSteps, C: Clock>: Sendable where C.Duration == Duration {
    public let steps: Steps
    public let options: RepairOptions
    public let policy: RepairPolicy
    public let clock: C
    /// How the device is named in messages, e.g. `WH-1000XM4 (AC:80:0A:11:22:33)`.
    public let deviceName: String
    /// What the user is asked to do while the repair waits for the device.
    public let instructions: String

    public init(steps: Steps, options: RepairOptions, policy: RepairPolicy, clock: C, deviceName: String, instructions: String) {
        self.steps = steps
        self.options = options
        self.policy = policy
        self.clock = clock
        self.deviceName = deviceName
        self.instructions = instructions
    }

    /// Runs the repair to its end. Events arrive in order, the final stage last.
    public func run(_ report: @escaping @Sendable (RepairEvent) async -> Void) async -> RepairOutcome {
        let current = CurrentStage()
        let enter: @Sendable (RepairStage, String) async -> Void = { stage, message in
            current.stage.withLock { $0 = stage }
            await report(.entered(stage, message: message))
        }
        var outcome: RepairOutcome
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.stages(enter, report) }
                group.addTask {
                    // The adapter or bluetoothd going away ends the repair whatever stage it is in.
                    guard let failure = await self.steps.lost() else { throw CancellationError() }
                    throw Ended(failure: failure, stage: current.stage.withLock { $0 })
                }
                try await group.next()
                group.cancelAll()
            }
            outcome = .succeeded
        } catch {
            let stage = current.stage.withLock { $0 }
            if Task.isCancelled {
                outcome = .cancelled(message: "the repair of \(deviceName) was cancelled while \(stage.rawValue)")
            } else {
                outcome = (error as? Ended)?.outcome(deviceName)
                    ?? .failed(.failed, message: "the repair of \(deviceName) stopped while \(stage.rawValue): \(error)")
            }
        }
        // Discovery must stop and the agent go however the repair ended, even when cancelled.
        await Task { await steps.finish() }.value
        await report(.entered(outcome.stage, message: outcome.message))
        return outcome
    }

    private func stages(
        _ enter: @Sendable (RepairStage, String) async -> Void, _ report: @escaping @Sendable (RepairEvent) async -> Void
    ) async throws {
        if !options.skipForget {
            await enter(.forgetting, "removing \(deviceName) and its pairing from this computer")
            try await attempt(.forgetting, report) { () async throws(BluetoothFailure) in try await steps.forget() }
        }
        await enter(.waitingForDevice, instructions)
        let seconds = options.deviceTimeout.components.seconds
        let discovery = LastFailure()
        try await within(options.deviceTimeout, .waitingForDevice, timeout: {
            if let failure = discovery.failure {
                return .failed(.timeout, message: "discovery could not start within \(seconds) s: bluetoothd kept answering \(failure)")
            }
            return .failed(.timeout, message: "\(deviceName) did not appear within \(seconds) s: was it in pairing mode, close to this computer?")
        }) {
            // Discovery may take a while to start: a bluetoothd restarted while the
            // kernel's inquiry still ran answers InProgress for up to 10 s (seen with
            // 5.66). Tried again for as long as the user gave the device to appear.
            try await self.attempt(.waitingForDevice, report, tries: .untilCancelled) { () async throws(BluetoothFailure) in
                do throws(BluetoothFailure) { try await steps.startDiscovery() } catch {
                    discovery.failure = error
                    throw error
                }
                discovery.failure = nil
            }
            do throws(BluetoothFailure) { try await steps.deviceAppeared() } catch { throw Ended(failure: error, stage: .waitingForDevice) }
        }

        await enter(.pairing, "pairing with \(deviceName)")
        try await attempt(.pairing, report) { () async throws(BluetoothFailure) in try await steps.pair() }
        await enter(.trusting, "marking \(deviceName) as trusted, so it may reconnect by itself")
        try await attempt(.trusting, report) { () async throws(BluetoothFailure) in try await steps.trust() }
        await enter(.connecting, "connecting to \(deviceName)")
        try await attempt(.connecting, report) { () async throws(BluetoothFailure) in try await steps.connect() }
        await enter(.verifying, "waiting for the audio profile of \(deviceName)")
        try await within(policy.verifyTimeout, .verifying, timeout: {
            .failed(
                .connectFailed,
                message: "\(deviceName) connected, but its audio profile (A2DP sink) did not come up within "
                    + "\(policy.verifyTimeout.components.seconds) s: is an audio server (PipeWire or PulseAudio) running?")
        }) {
            do throws(BluetoothFailure) { try await steps.audioProfileUp() } catch { throw Ended(failure: error, stage: .verifying) }
        }
    }

    /// How many times a transient failure is tried again.
    private enum Tries {
        /// The policy's attempts.
        case policy
        /// As long as the task runs: a stage whose own timeout bounds it.
        case untilCancelled
    }

    /// Runs one step, trying again after a pause while it fails transiently.
    private func attempt(
        _ stage: RepairStage, _ report: @Sendable (RepairEvent) async -> Void, tries: Tries = .policy,
        _ step: () async throws(BluetoothFailure) -> Void
    ) async throws {
        let limit: Int? = tries == .policy ? policy.attempts : nil
        var tries = 1
        while true {
            do {
                return try await step()
            } catch where error.kind == .transient && tries < (limit ?? .max) && !Task.isCancelled {
                let delay = policy.delay(after: tries)
                await report(.retrying(stage, attempt: tries, of: limit ?? 0, delay: delay, failure: error))
                try await clock.sleep(for: delay)
                tries += 1
            } catch {
                throw Ended(failure: error, stage: stage, tries: tries)
            }
        }
    }

    /// Runs one step, ending the repair with `timeout()` when it takes longer than `limit`.
    private func within(
        _ limit: Duration, _ stage: RepairStage, timeout: @Sendable () -> RepairOutcome,
        _ step: @escaping @Sendable () async throws -> Void
    ) async throws {
        let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await step()
                return true
            }
            group.addTask {
                try await clock.sleep(for: limit)
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        if !finished { throw Ended(timedOut: timeout()) }
    }
}

/// The stage a running repair is in, shared by its concurrent parts.
private final class CurrentStage: Sendable {
    let stage = Lock(RepairStage.idle)
}

/// The last transient failure of a step still being retried, for the timeout's message.
private final class LastFailure: Sendable {
    private let last = Lock<BluetoothFailure?>(nil)

    var failure: BluetoothFailure? {
        get { last.withLock { $0 } }
        set { last.withLock { $0 = newValue } }
    }
}

/// Why the stages stopped, carried up to `run` to become the outcome.
private struct Ended: Error {
    var failure: BluetoothFailure?
    var stage: RepairStage = .idle
    var tries = 1
    var timedOut: RepairOutcome?

    init(failure: BluetoothFailure, stage: RepairStage, tries: Int = 1) {
        self.failure = failure
        self.stage = stage
        self.tries = tries
    }

    init(timedOut: RepairOutcome) { self.timedOut = timedOut }

    func outcome(_ device: String) -> RepairOutcome {
        if let timedOut { return timedOut }
        guard let failure else { return .failed(.failed, message: "the repair of \(device) stopped") }
        switch failure.kind {
        case .adapterGone:
            return .failed(.noAdapter, message: "the Bluetooth adapter went away while \(stage.rawValue): \(failure)")
        case .adapterOff:
            return .failed(.adapterPoweredOff, message: "the Bluetooth adapter was powered off while \(stage.rawValue): \(failure)")
        case .bluezGone:
            return .failed(.bluezUnavailable, message: "bluetoothd left the bus while \(stage.rawValue): \(failure)")
        case .transient, .refused:
            let after = tries > 1 ? " (after \(tries) tries)" : ""
            switch stage {
            case .pairing:
                return .failed(.pairingFailed, message: "pairing with \(device) failed\(after): \(failure)")
            case .connecting, .verifying:
                return .failed(.connectFailed, message: "connecting to \(device) failed\(after): \(failure)")
            default:
                return .failed(.failed, message: "\(stage.rawValue) \(device) failed\(after): \(failure)")
            }
        }
    }
}
