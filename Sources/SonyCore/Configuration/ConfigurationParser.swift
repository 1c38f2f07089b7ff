/// Reads `sonyctld.yaml` into a `DaemonConfiguration`: every key optional, none unknown,
/// every number within a range that keeps the daemon sane, every refusal at its line.
struct ConfigurationParser {
    let reader: YAMLReader

    init(file: String) { reader = YAMLReader(file: file) }

    func parse(_ yaml: String) throws(DataFileError) -> DaemonConfiguration {
        var configuration = DaemonConfiguration()
        guard let root = try reader.composeIfAny(yaml) else { return configuration }
        let top = try reader.mapping(root, "the configuration")
        try reader.checkKeys(top, path: "the configuration", required: [], optional: ["fallback_group", "polkit_timeout_seconds", "repair", "watch", "history"])
        configuration.fallbackGroup = try reader.optionalString(top, "fallback_group", "the configuration")
        if let node = top.value("polkit_timeout_seconds") {
            configuration.polkitTimeout = .seconds(try reader.integer(node, "polkit_timeout_seconds", in: 1...600))
        }
        if let node = top.value("repair") { configuration.repair = try repair(node) }
        if let node = top.value("watch") { configuration.watch = try watch(node) }
        if let node = top.value("history") { configuration.history = try history(node) }
        return configuration
    }

    private func repair(_ node: Node) throws(DataFileError) -> RepairPolicy {
        let fields = try reader.mapping(node, "repair")
        try reader.checkKeys(fields, path: "repair", required: [],
                             optional: ["attempts", "retry_delay_ms", "max_retry_delay_ms", "verify_timeout_seconds"])
        var policy = RepairPolicy()
        if let n = try number(fields, "repair", "attempts", 1...10) { policy.attempts = n }
        if let n = try number(fields, "repair", "retry_delay_ms", 10...60_000) { policy.retryDelay = .milliseconds(n) }
        if let n = try number(fields, "repair", "max_retry_delay_ms", 10...600_000) { policy.maxRetryDelay = .milliseconds(n) }
        if let n = try number(fields, "repair", "verify_timeout_seconds", 1...120) { policy.verifyTimeout = .seconds(n) }
        if policy.maxRetryDelay < policy.retryDelay, let node = fields.value("max_retry_delay_ms") ?? fields.value("retry_delay_ms") {
            throw reader.fail(node, "repair: max_retry_delay_ms must not be less than retry_delay_ms")
        }
        return policy
    }

    private func watch(_ node: Node) throws(DataFileError) -> WatchPolicy {
        let fields = try reader.mapping(node, "watch")
        try reader.checkKeys(fields, path: "watch", required: [], optional: [
            "flapping_drops", "flapping_window_minutes", "short_session_seconds", "short_sessions_in_a_row",
            "low_battery_percent", "resume_window_seconds", "audio_profile_timeout_seconds", "escalation_window_hours",
            "after_flapping", "reconnect_attempts", "reconnect_delay_seconds",
        ])
        var policy = WatchPolicy()
        if let n = try number(fields, "watch", "flapping_drops", 2...100) { policy.flappingDrops = n }
        if let n = try number(fields, "watch", "flapping_window_minutes", 1...1440) { policy.flappingWindow = Microseconds(n) * .minute }
        if let n = try number(fields, "watch", "short_session_seconds", 1...3600) { policy.shortSession = Microseconds(n) * .second }
        if let n = try number(fields, "watch", "short_sessions_in_a_row", 2...100) { policy.shortSessionsInARow = n }
        if let n = try number(fields, "watch", "low_battery_percent", 0...100) { policy.lowBatteryPercent = n }
        if let n = try number(fields, "watch", "resume_window_seconds", 1...3600) { policy.resumeWindow = Microseconds(n) * .second }
        if let n = try number(fields, "watch", "audio_profile_timeout_seconds", 1...600) {
            policy.audioProfileTimeout = Microseconds(n) * .second
        }
        if let n = try number(fields, "watch", "escalation_window_hours", 1...720) { policy.escalationWindow = Microseconds(n) * .hour }

        let attempts = try number(fields, "watch", "reconnect_attempts", 1...10)
        let delay = try number(fields, "watch", "reconnect_delay_seconds", 1...600)
        switch try reader.optionalString(fields, "after_flapping", "watch") {
        case nil, "notify":
            // Reconnect settings without the reconnect policy would be silently unused.
            if let stray = fields.keyNode("reconnect_attempts") ?? fields.keyNode("reconnect_delay_seconds") {
                throw reader.fail(stray, "watch: reconnect settings need after_flapping: reconnect")
            }
        case "reconnect":
            policy.afterFlapping = .reconnect(attempts: attempts ?? 3, delay: Microseconds(delay ?? 5) * .second)
        case let other?:
            throw reader.fail(fields.value("after_flapping") ?? node, "watch.after_flapping: '\(other)' is not one of notify, reconnect")
        }
        return policy
    }

    private func history(_ node: Node) throws(DataFileError) -> HistoryRetention {
        let fields = try reader.mapping(node, "history")
        try reader.checkKeys(fields, path: "history", required: [], optional: ["max_age_days", "max_events"])
        var retention = HistoryRetention()
        if let n = try number(fields, "history", "max_age_days", 1...3650) { retention.maxAge = Microseconds(n) * .day }
        if let n = try number(fields, "history", "max_events", 100...10_000_000) { retention.maxEvents = n }
        return retention
    }

    private func number(_ fields: YAMLReader.Fields, _ section: String, _ key: String, _ range: ClosedRange<Int>) throws(DataFileError) -> Int? {
        guard let node = fields.value(key) else { return nil }
        return try reader.integer(node, "\(section).\(key)", in: range)
    }
}
