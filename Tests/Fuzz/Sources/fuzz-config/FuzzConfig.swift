import FuzzSupport
import SonyCore

/// `sonyctld.yaml`: refused with the file and a line that exists, or read into
/// values within the ranges docs/sonyctld.md promises, which written out again
/// read back the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let text = dataFileText(fuzzBytes(data, size)) else { return 0 }
    let result = parse(text)
    invariant(parse(text) == result, "the same text read twice gave two answers")
    switch result {
    case .failure(let error):
        invariant(error.file == "fuzz.yaml" && !error.reason.isEmpty, "a refusal without its file or reason: \(error)")
        invariant((0...lineBound(text)).contains(error.line), "refused at line \(error.line) of \(lineBound(text)): \(error)")
    case .success(let configuration):
        checkRanges(configuration)
        let written = yaml(configuration)
        invariant(parse(written) == .success(configuration), "written out as\n\(written)\nit reads back as \(parse(written))")
    }
    return 0
}

func parse(_ text: String) -> Result<DaemonConfiguration, DataFileError> {
    Result { () throws(DataFileError) in try DaemonConfiguration.parse(yaml: text, file: "fuzz.yaml") }
}

func checkRanges(_ c: DaemonConfiguration) {
    let r = c.repair, w = c.watch, h = c.history
    invariant((1...10).contains(r.attempts), "attempts \(r.attempts)")
    invariant(r.retryDelay >= .milliseconds(10) && r.retryDelay <= .milliseconds(60_000), "retry delay \(r.retryDelay)")
    invariant(r.maxRetryDelay >= r.retryDelay && r.maxRetryDelay <= .milliseconds(600_000), "max retry delay \(r.maxRetryDelay)")
    invariant(r.verifyTimeout >= .seconds(1) && r.verifyTimeout <= .seconds(120), "verify timeout \(r.verifyTimeout)")
    invariant((2...100).contains(w.flappingDrops) && (2...100).contains(w.shortSessionsInARow), "drop counts \(w)")
    invariant((0...100).contains(w.lowBatteryPercent), "low battery \(w.lowBatteryPercent)")
    invariant((1...1440).contains(w.flappingWindow / .minute) && w.flappingWindow % .minute == 0, "flapping window \(w.flappingWindow)")
    invariant((1...720).contains(w.escalationWindow / .hour) && w.escalationWindow % .hour == 0, "escalation window \(w.escalationWindow)")
    invariant((1...3650).contains(h.maxAge / .day) && (100...10_000_000).contains(h.maxEvents), "history \(h)")
    if case .reconnect(let attempts, let delay) = w.afterFlapping {
        invariant((1...10).contains(attempts) && (1...600).contains(delay / .second), "reconnect \(attempts) \(delay)")
    }
    invariant(c.fallbackGroup.map { !$0.allSatisfy(\.isWhitespace) } ?? true, "an empty fallback group")
}

/// Every setting spelt out, in the file's own keys and units.
func yaml(_ c: DaemonConfiguration) -> String {
    let r = c.repair, w = c.watch, h = c.history
    var lines: [String] = []
    if let group = c.fallbackGroup { lines.append("fallback_group: \(doubleQuoted(group))") }
    lines += [
        "repair:",
        "  attempts: \(r.attempts)",
        "  retry_delay_ms: \(milliseconds(r.retryDelay))",
        "  max_retry_delay_ms: \(milliseconds(r.maxRetryDelay))",
        "  verify_timeout_seconds: \(milliseconds(r.verifyTimeout) / 1000)",
        "watch:",
        "  flapping_drops: \(w.flappingDrops)",
        "  flapping_window_minutes: \(w.flappingWindow / .minute)",
        "  short_session_seconds: \(w.shortSession / .second)",
        "  short_sessions_in_a_row: \(w.shortSessionsInARow)",
        "  low_battery_percent: \(w.lowBatteryPercent)",
        "  resume_window_seconds: \(w.resumeWindow / .second)",
        "  audio_profile_timeout_seconds: \(w.audioProfileTimeout / .second)",
        "  escalation_window_hours: \(w.escalationWindow / .hour)",
    ]
    switch w.afterFlapping {
    case .notify: lines.append("  after_flapping: notify")
    case .reconnect(let attempts, let delay):
        lines += ["  after_flapping: reconnect", "  reconnect_attempts: \(attempts)", "  reconnect_delay_seconds: \(delay / .second)"]
    }
    lines += ["history:", "  max_age_days: \(h.maxAge / .day)", "  max_events: \(h.maxEvents)"]
    return lines.joined(separator: "\n") + "\n"
}

func milliseconds(_ d: Duration) -> Int64 {
    d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
}
