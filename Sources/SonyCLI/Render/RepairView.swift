import SonyCLIOutput
import SonyClient
import Locking

/// What `sonyctl repair` shows while the daemon works.
///
/// On a terminal: each stage as a line that gets a tick when the next one
/// starts, the pairing-mode instructions set apart while it waits for the
/// device, and a spinner with the elapsed time on the line of the stage in
/// progress. Piped: one plain line per stage. With `--json`: one JSON
/// document per line.
final class RepairView: Sendable {
    private struct State {
        var stage: String?
        var stageStarted = ContinuousClock.now
        var spinnerShown = false
        var frame = 0
        var finished = false
    }

    private let session: Session
    private let device: DeviceSnapshot
    private let request: RepairRequest
    private let started = ContinuousClock.now
    private let state = Lock(State())

    static let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    init(session: Session, device: DeviceSnapshot, request: RepairRequest) {
        self.session = session
        self.device = device
        self.request = request
    }

    private var terminal: Terminal { session.terminal }
    private var live: Bool { !session.json && terminal.isInteractive }

    func begin() {
        if session.json {
            Console.out(JSON.object([
                "event": "started", "device": DeviceJSON.object(device),
                "timeout": .int(Int64(request.timeout ?? 120)), "skip_forget": .bool(request.skipForget),
            ]).text)
        } else {
            Console.out(terminal.paint("Repairing \(device.displayName) (\(device.address))", .bold))
        }
    }

    /// A `RepairProgress` signal.
    func progress(stage: String, message: String) {
        state.withLock { s in
            guard !s.finished else { return }
            if session.json {
                Console.out(JSON.object([
                    "event": "progress", "stage": .string(stage), "message": .string(message), "elapsed_ms": .int(elapsedMs()),
                ]).text)
                return
            }
            guard live else {
                Console.out("\(stage): \(message)")
                return
            }
            // The stage in progress ended well if another began, or the repair succeeded.
            closeStage(&s, ok: !["failed", "cancelled"].contains(stage))
            guard !["succeeded", "failed", "cancelled"].contains(stage) else { return }
            if stage == "waiting-for-device" { showInstructions(message) }
            s.stage = stage
            s.stageStarted = .now
            drawSpinner(&s)
        }
    }

    /// Redraws the spinner; called a few times a second on a terminal.
    func tick() {
        guard live else { return }
        state.withLock { s in
            guard !s.finished, s.stage != nil else { return }
            s.frame += 1
            drawSpinner(&s)
        }
    }

    func cancelling() {
        state.withLock { s in
            if session.json {
                Console.out(JSON.object(["event": "cancelling", "elapsed_ms": .int(elapsedMs())]).text)
            } else {
                clearSpinner(&s)
                Console.err("sonyctl: cancelling the repair (Ctrl-C again to leave it running on sonyctld)…")
            }
        }
    }

    /// The end, from `RepairFinished` or, failing that, from the reply.
    func finish(success: Bool, error: ClientError?, message: String) {
        state.withLock { s in
            guard !s.finished else { return }
            let status = error.map { ExitStatus($0.kind) } ?? .success
            if session.json {
                Console.out(JSON.object([
                    "event": "finished", "success": .bool(success), "kind": .nullable(error?.kind.rawValue),
                    "error_name": .nullable(error?.errorName), "message": .string(message),
                    "exit_code": .int(Int64(status.rawValue)), "elapsed_ms": .int(elapsedMs()),
                ]).text)
            } else {
                closeStage(&s, ok: success)
                let took = "(\(Span.words(seconds: UInt64((ContinuousClock.now - started).components.seconds))))"
                if success {
                    Console.out(terminal.paint(terminal.mark("✓", or: "OK:") + " \(device.displayName) \(message)", .green) + " " + took)
                } else {
                    let failure = error.map { Failure($0, action: "repair \(device.displayName)") }
                    Console.err(terminal.paint(terminal.mark("✗", or: "FAILED:") + " " + message, .boldRed))
                    failure?.hints.forEach { Console.err("  " + $0) }
                }
            }
            s.finished = true
        }
    }

    // MARK: - Drawing, with the lock held

    private func elapsedMs() -> Int64 {
        let elapsed = ContinuousClock.now - started
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }

    private func stageSeconds(_ s: State) -> Int64 { (ContinuousClock.now - s.stageStarted).components.seconds }

    private func label(_ stage: String) -> String {
        switch stage {
        case "forgetting": "forgetting the old pairing"
        case "waiting-for-device": "waiting for the device in pairing mode"
        case "pairing": "pairing"
        case "trusting": "marking it trusted"
        case "connecting": "connecting"
        case "verifying": "waiting for the audio profile"
        default: stage
        }
    }

    private func drawSpinner(_ s: inout State) {
        guard let stage = s.stage else { return }
        var text = "  " + terminal.paint(Self.frames[s.frame % Self.frames.count], .cyan) + " " + label(stage) + "  "
        let seconds = stageSeconds(s)
        text += terminal.paint(stage == "waiting-for-device" ? "\(seconds) s of \(request.timeout ?? 120) s" : "\(seconds) s", .dim)
        Console.outRaw("\r" + text + "\u{1B}[K")
        s.spinnerShown = true
    }

    private func clearSpinner(_ s: inout State) {
        guard s.spinnerShown else { return }
        Console.outRaw("\r\u{1B}[K")
        s.spinnerShown = false
    }

    /// Replaces the spinner of the stage that just ended with a line that stays.
    private func closeStage(_ s: inout State, ok: Bool) {
        clearSpinner(&s)
        guard let stage = s.stage else { return }
        let mark = ok ? terminal.paint("✓", .green) : terminal.paint("✗", .red)
        Console.out("  \(mark) \(label(stage))  " + terminal.paint("\(stageSeconds(s)) s", .dim))
        s.stage = nil
    }

    /// The model's pairing-mode steps, set apart so that they are seen.
    private func showInstructions(_ text: String) {
        Console.out("")
        for line in wrap(text, width: terminal.width - 6) {
            Console.out("  " + terminal.paint("┃", .boldYellow) + " " + terminal.paint(line, .bold))
        }
        Console.out("")
    }
}
