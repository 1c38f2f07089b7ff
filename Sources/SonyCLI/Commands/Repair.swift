import ArgumentParser
import SonyCLIOutput
import SonyClient
#if canImport(Glibc)
import Glibc
#endif

struct Repair: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forget a device and pair it again from scratch, showing each stage as it happens.",
        discussion: """
            While it waits, put the device in pairing mode as shown (the model's own steps, from the catalogue). \
            Ctrl-C cancels the repair on sonyctld. The exit status tells success or the failure class. \
            Needs the polkit action org.sonyctl.manage.
            """)

    @OptionGroup var target: DeviceArgument

    @Option(help: ArgumentHelp("Seconds to wait for the device in pairing mode (1–600; default 120).", valueName: "seconds"))
    var timeout: UInt32?

    @Flag(help: "Keep the existing pairing and go straight to discovery and pairing.")
    var skipForget = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let timeout, !RepairRequest.timeoutRange.contains(timeout) {
            throw ValidationError("--timeout must be from 1 to 600 seconds, not \(timeout)")
        }
    }

    func run() async throws {
        let request = RepairRequest(timeout: timeout, skipForget: skipForget)
        try await Session(output).run { session in
            let (client, snapshot) = try await session.open(target.device, action: "repair \(target.device)")
            return try await RepairRun(client: client, device: snapshot, request: request, session: session).run()
        }
    }
}

/// One repair as the client follows it: the call, the daemon's signals, the
/// spinner and Ctrl-C, running side by side until the call has answered.
struct RepairRun {
    let client: SonyClient
    let device: DeviceSnapshot
    let request: RepairRequest
    let session: Session

    func run() async throws -> ExitStatus {
        // Signals first, so that no stage is missed; Ctrl-C handled from here on.
        let events: AsyncThrowingStream<DaemonEvent, any Error>
        do {
            events = try await client.events(device: device.path)
        } catch {
            throw Failure(error, action: "repair \(device.displayName)")
        }
        let interrupts = Interrupts.stream()
        let view = RepairView(session: session, device: device, request: request)
        view.begin()
        let (client, path, request) = (client, device.path, request)

        let follower = Task<Bool, Never> {
            do {
                for try await event in events {
                    switch event {
                    case .repairProgress(_, let stage, let message):
                        view.progress(stage: stage, message: message)
                    case .repairFinished(_, let success, let errorName, let message):
                        let error = success ? nil : ClientError(errorName: errorName, message: message)
                        view.finish(success: success, error: error, message: message)
                        return true
                    default:
                        continue
                    }
                }
            } catch {}
            return false
        }
        let spinner = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                view.tick()
            }
        }
        let canceller = Task {
            var count = 0
            for await _ in interrupts {
                count += 1
                if count > 1 {
                    Console.err("sonyctl: left the repair running on sonyctld (`sonyctl watch` follows it).")
                    exit(ExitStatus.cancelled.rawValue)
                }
                view.cancelling()
                // The repair's own reply then says Cancelled. NotRepairing: it
                // has ended already, or never began (still asking polkit).
                do throws(ClientError) {
                    try await client.cancelRepair(path)
                } catch {
                    if error.kind == .notRepairing { exit(ExitStatus.cancelled.rawValue) }
                }
            }
        }
        defer {
            spinner.cancel()
            canceller.cancel()
            follower.cancel()
        }

        let result: ClientError?
        do {
            try await client.repair(path, request)
            result = nil
        } catch {
            result = error
        }
        // The final signals were sent before the reply, but reach us by another
        // path through this process: give them a moment to arrive, unless the
        // daemon refused before any job began.
        let refusedBeforeStart: Set<ClientError.Kind> = [.notAuthorized, .busy, .invalidArguments, .unknownDevice, .daemonTooOld]
        let sawFinish: Bool
        if let result, refusedBeforeStart.contains(result.kind) {
            follower.cancel()
            sawFinish = false
        } else {
            sawFinish = await within(.seconds(2)) {
                await withTaskCancellationHandler { await follower.value } onCancel: { follower.cancel() }
            } ?? false
        }
        spinner.cancel()
        if !sawFinish {
            // Refused before the job started (Busy, NotAuthorized, …): no signals came.
            guard let result else {
                view.finish(success: true, error: nil, message: "repaired")
                return .success
            }
            throw Failure(result, action: "repair \(device.displayName)")
        }
        return result.map { ExitStatus($0.kind) } ?? .success
    }
}
