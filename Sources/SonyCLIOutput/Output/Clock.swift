#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock times as the daemon gives them (µs since the epoch), shown in
/// local time, without Foundation.
package enum WallClock {
    package static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(max(0, ts.tv_sec)) * 1_000_000 + UInt64(max(0, ts.tv_nsec)) / 1000
    }

    /// `strftime` of a time in the local time zone.
    package static func format(_ micros: UInt64, _ pattern: String) -> String {
        var seconds = time_t(clamping: micros / 1_000_000)
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return "\(micros / 1_000_000)" }
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, pattern, &parts)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `2026-12-01 14:03:07`
    package static func dateTime(_ micros: UInt64) -> String { format(micros, "%Y-%m-%d %H:%M:%S") }
    /// `14:03:07`
    package static func time(_ micros: UInt64) -> String { format(micros, "%H:%M:%S") }

    /// The local time `text` names (`2026-12-01`, `2026-12-01 14:00`, `2026-12-01T14:00:05`), in µs.
    package static func parseLocal(_ text: String) -> UInt64? {
        let cleaned = text.map { $0 == "T" ? " " : $0 }
        let halves = String(cleaned).split(separator: " ", omittingEmptySubsequences: true)
        guard (1...2).contains(halves.count) else { return nil }
        let date = halves[0].split(separator: "-", omittingEmptySubsequences: false).map { Int32($0) }
        let clock = halves.count == 2 ? halves[1].split(separator: ":", omittingEmptySubsequences: false).map { Int32($0) } : []
        guard date.count == 3, (0...3).contains(clock.count), clock.count != 1,
              let year = date[0], let month = date[1], let day = date[2],
              (1...12).contains(month), (1...31).contains(day), year >= 1970 else { return nil }
        let fields = clock.compactMap { $0 }
        guard fields.count == clock.count else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = fields.count > 0 ? fields[0] : 0
        parts.tm_min = fields.count > 1 ? fields[1] : 0
        parts.tm_sec = fields.count > 2 ? fields[2] : 0
        parts.tm_isdst = -1
        guard (0...23).contains(parts.tm_hour), (0...59).contains(parts.tm_min), (0...60).contains(parts.tm_sec) else { return nil }
        let seconds = mktime(&parts)
        // mktime normalises 31 February into March; a date that moved was not a date.
        guard seconds >= 0, parts.tm_mday == day, parts.tm_mon == month - 1 else { return nil }
        return UInt64(seconds) * 1_000_000
    }
}

/// Lengths of time in words a person reads at a glance.
package enum Span {
    /// `45 s`, `14 min`, `2 h 5 min`, `3 d 4 h`.
    package static func words(seconds: UInt64) -> String {
        switch seconds {
        case ..<60: return "\(seconds) s"
        case ..<3600: return "\(seconds / 60) min"
        case ..<86_400:
            let minutes = seconds % 3600 / 60
            return "\(seconds / 3600) h" + (minutes > 0 ? " \(minutes) min" : "")
        default:
            let hours = seconds % 86_400 / 3600
            return "\(seconds / 86_400) d" + (hours > 0 ? " \(hours) h" : "")
        }
    }

    package static func words(micros: UInt64) -> String { words(seconds: micros / 1_000_000) }

    /// `5 min ago`, or `just now`.
    package static func ago(_ then: UInt64, now: UInt64) -> String {
        guard now > then else { return "just now" }
        let seconds = (now - then) / 1_000_000
        return seconds < 5 ? "just now" : words(seconds: seconds) + " ago"
    }

    /// `90s`, `30m`, `2h`, `7d`, `1w` as seconds.
    package static func parse(_ text: String) -> UInt64? {
        guard let unit = text.last, let count = UInt64(text.dropLast()), count > 0 else { return nil }
        let scale: UInt64
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86_400
        case "w": scale = 604_800
        default: return nil
        }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: scale)
        return overflow || seconds > 100 * 365 * 86_400 ? nil : seconds
    }
}
