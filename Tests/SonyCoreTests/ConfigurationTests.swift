import Foundation
import SonyCore
import Testing

/// `sonyctld.yaml`: the shipped file, values, and refusals at their line.
@Suite struct ConfigurationTests {
    static let shipped = TestPaths.packageRoot + "/config/sonyctld.yaml"

    @Test func theShippedFileIsTheDefaults() throws {
        #expect(try DaemonConfiguration.load(contentsOf: Self.shipped) == DaemonConfiguration())
    }

    /// The values the shipped file shows in its comments are the real defaults: uncomment
    /// every setting and nothing may change.
    @Test func theDefaultsTheShippedFileDocumentsAreTheRealOnes() throws {
        let lines = try shippedLines()
        func uncommented(_ keep: (String) -> Bool) -> String {
            lines.compactMap { line -> String? in
                guard let setting = Self.setting(line), keep(setting) else { return nil }
                return setting
            }.joined(separator: "\n")
        }
        let plain = uncommented { !$0.contains("fallback_group") && !$0.contains("reconnect_") }
        #expect(try DaemonConfiguration.parse(yaml: plain, file: "uncommented") == DaemonConfiguration())
        let reconnecting = uncommented { !$0.contains("fallback_group") }.replacing("after_flapping: notify", with: "after_flapping: reconnect")
        let config = try DaemonConfiguration.parse(yaml: reconnecting, file: "uncommented")
        #expect(config.watch.afterFlapping == .reconnect(attempts: 3, delay: 5 * .second))
    }

    /// `# key: value` → `key: value`, `#   key: value` → `  key: value`; prose → nil.
    static func setting(_ line: String) -> String? {
        guard line.hasPrefix("# ") else { return nil }
        let body = line.dropFirst(2)
        let indent = body.prefix { $0 == " " }
        let rest = body.dropFirst(indent.count)
        guard indent.isEmpty || indent.count == 2, let colon = rest.firstIndex(of: ":"),
              rest[..<colon].allSatisfy({ $0.isLowercase || $0 == "_" }) else { return nil }
        return String(indent) + rest
    }

    func shippedLines() throws -> [String] {
        try String(contentsOfFile: Self.shipped, encoding: .utf8).components(separatedBy: "\n")
    }

    @Test func valuesAreRead() throws {
        let config = try DaemonConfiguration.parse(yaml: """
            fallback_group: bluetooth
            polkit_timeout_seconds: 5
            repair:
              attempts: 2
              retry_delay_ms: 100
            watch:
              flapping_drops: 5
              flapping_window_minutes: 30
              after_flapping: reconnect
              reconnect_attempts: 4
            history:
              max_events: 500
            """, file: "t.yaml")
        #expect(config.fallbackGroup == "bluetooth")
        #expect(config.polkitTimeout == .seconds(5))
        #expect(config.repair.attempts == 2 && config.repair.retryDelay == .milliseconds(100))
        #expect(config.watch.flappingDrops == 5 && config.watch.flappingWindow == 30 * .minute)
        #expect(config.watch.afterFlapping == .reconnect(attempts: 4, delay: 5 * .second))
        #expect(config.history.maxEvents == 500 && config.history.maxAge == HistoryRetention().maxAge)
    }

    @Test(arguments: [
        ("watch:\n  flaping_drops: 3\n", 2, "watch: unknown key 'flaping_drops'"),
        ("repair:\n  attempts: 0\n", 2, "repair.attempts: must be from 1 to 10, not 0"),
        ("repair:\n  attempts: three\n", 2, "repair.attempts: must be a whole number"),
        ("watch:\n  after_flapping: panic\n", 2, "watch.after_flapping: 'panic' is not one of notify, reconnect"),
        ("watch:\n  reconnect_attempts: 2\n", 2, "reconnect settings need after_flapping: reconnect"),
        ("history: 12\n", 1, "history: expected a mapping"),
        ("repair:\n  retry_delay_ms: 5000\n  max_retry_delay_ms: 1000\n", 3, "must not be less than retry_delay_ms"),
        ("watch: [\n", 2, "YAML syntax"),
        ("sonyctl: yes\n", 1, "the configuration: unknown key 'sonyctl'"),
        ("polkit_timeout_seconds: 0\n", 1, "polkit_timeout_seconds: must be from 1 to 600, not 0"),
    ])
    func badFilesAreRefusedAtTheirLine(text: String, line: Int, says: String) {
        #expect {
            _ = try DaemonConfiguration.parse(yaml: text, file: "/etc/sonyctl/sonyctld.yaml")
        } throws: { error in
            guard let error = error as? DataFileError else { return false }
            return error.file == "/etc/sonyctl/sonyctld.yaml" && error.line == line && error.reason.contains(says)
        }
    }

    @Test func aMissingFileSaysSo() {
        #expect(throws: DataFileError.self) { try DaemonConfiguration.load(contentsOf: "/nonexistent/sonyctld.yaml") }
    }
}
