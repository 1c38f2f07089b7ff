package import SonyClient

/// A failure as a person and a script see it: what happened, what to do, and
/// the exit status. Commands throw it; `Session` prints it once.
package struct Failure: Error, Sendable {
    package var status: ExitStatus
    /// A stable name for scripts: a `ClientError.Kind`, or the CLI's own.
    package var kind: String
    package var message: String
    /// Sentences on what to do next, each a line.
    package var hints: [String] = []
    /// The devices meant, for an unknown or ambiguous name.
    package var candidates: [DeviceSnapshot] = []
    package var errorName: String?

    package init(status: ExitStatus, kind: String, message: String, hints: [String] = [], errorName: String? = nil) {
        self.status = status
        self.kind = kind
        self.message = message
        self.hints = hints
        self.errorName = errorName
    }

    /// A client error in a person's words; `action` says what was being
    /// done, e.g. `forget AA:BB:…`.
    package init(_ error: ClientError, action: String? = nil) {
        self.init(status: ExitStatus(error.kind), kind: error.kind.rawValue, message: error.message, errorName: error.errorName)
        let what = action.map { " to \($0)" } ?? ""
        switch error.kind {
        case .busUnavailable:
            hints = ["Is dbus running? `systemctl status dbus`"]
        case .daemonNotRunning:
            message = "sonyctld is not running (nobody owns org.sonyctl.Daemon1 on the system bus)"
            hints = ["Start it with `systemctl start sonyctld` (at every boot: `systemctl enable --now sonyctld`)."]
        case .noReply:
            message = "sonyctld did not answer: \(error.message)"
            hints = ["See what it logged: `journalctl -u sonyctld -e`"]
        case .notAuthorized:
            message = "not authorized\(what): \(error.message)"
            hints = ["Changing pairings needs the polkit action org.sonyctl.manage: run it from your desktop session, or as an administrator (sudo)."]
        case .daemonTooOld:
            message = "this sonyctld is too old" + (action.map { " for \($0)" } ?? "") + " (\(error.message))"
            hints = ["Update sonyctld to the version of this sonyctl (\(SonyctlVersion.current)) and restart it: `systemctl restart sonyctld`."]
        case .badReply:
            hints = ["sonyctl and sonyctld are probably of different versions; install matching ones."]
        case .bluezUnavailable:
            message = "BlueZ is not available: \(error.message)"
            hints = ["Start it with `systemctl start bluetooth`."]
        case .noAdapter:
            hints = ["Plug in a Bluetooth adapter, or check `rfkill list` and `bluetoothctl list`."]
        case .adapterPoweredOff:
            hints = ["Turn Bluetooth on: `bluetoothctl power on` (and `rfkill unblock bluetooth` if it is blocked)."]
        case .busy:
            hints = ["Wait for it to finish (`sonyctl watch` shows it), or cancel it with Ctrl-C where it was started."]
        case .timeout:
            hints = ["Put the headset in pairing mode close to this computer, then run the repair again (`--timeout` gives it longer)."]
        case .pairingFailed:
            hints = ["If it keeps failing, do the headset's own reset: `sonyctl guide MODEL`."]
        case .connectFailed:
            hints = ["Is an audio server (PipeWire or PulseAudio) running for your session? `sonyctl diagnose DEVICE` checks."]
        case .unknownDevice, .ambiguous, .notRepairing, .invalidArguments, .cancelled, .failed:
            break
        }
    }

    package static func unknownModel(_ name: String, known: [String]) -> Failure {
        Failure(
            status: .unknownDevice, kind: "unknown-model", message: "no model in the catalogue is called \"\(name)\"",
            hints: ["Known models: " + known.joined(separator: ", ") + " (`sonyctl models`)."])
    }
}
