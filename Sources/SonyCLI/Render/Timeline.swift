import SonyCLIOutput
import SonyClient

/// The compact picture above `sonyctl history`'s rows: when the device was
/// connected, where it dropped, and how its battery fell, one column per
/// slice of the period, read at a glance like a sparkline.
struct Timeline: Equatable {
    /// `█` connected throughout, `▒` part of the time, `·` disconnected, ` ` not known.
    var link: String
    /// `▼` one drop, `2`…`9` several, `+` more, `!` a pattern with no drop.
    var drops: String
    /// `▁`…`█` the last battery reading, ` ` before the first.
    var battery: String
    var connects: Int
    var disconnects: Int
    /// First and last battery reading in the period.
    var batteryRange: (first: Int, last: Int)?

    static func == (a: Timeline, b: Timeline) -> Bool {
        a.link == b.link && a.drops == b.drops && a.battery == b.battery && a.connects == b.connects
            && a.disconnects == b.disconnects && a.batteryRange?.first == b.batteryRange?.first && a.batteryRange?.last == b.batteryRange?.last
    }

    static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    static func level(_ percent: Int) -> Character {
        levels[min(levels.count - 1, max(0, percent) * levels.count / 101)]
    }

    /// Events (oldest first) over `start..<end` (µs) in `width` columns.
    init(_ events: [HistoryEvent], from start: UInt64, to end: UInt64, width: Int) {
        let width = max(1, width)
        let span = max(end > start ? end - start : 1, UInt64(width))
        // In floating point: times come from the daemon, and no time may make the arithmetic overflow.
        func column(_ t: UInt64) -> Int {
            t < start ? -1 : min(width - 1, Int(Double(t - start) / Double(span) * Double(width)))
        }
        func columnStart(_ c: Int) -> UInt64 {
            let offset = Double(span) / Double(width) * Double(c)
            let (sum, overflow) = start.addingReportingOverflow(offset < 0x1p64 ? UInt64(offset) : .max)
            return overflow ? .max : sum
        }

        var dropCounts = [Int](repeating: 0, count: width)
        var patterns = [Bool](repeating: false, count: width)
        var readings: [(Int, Int)] = []
        // Link intervals: (from, to, connected). Before the first event the
        // state is unknown, unless that event is a drop: then it was up.
        var changes: [(UInt64, Bool)] = []
        connects = 0
        disconnects = 0
        for event in events where event.time <= end {
            let c = column(event.time)
            switch event.kind {
            case "connected":
                changes.append((event.time, true))
                if c >= 0 { connects += 1 }
            case "disconnected":
                if changes.isEmpty { changes.append((start, true)) }
                changes.append((event.time, false))
                if c >= 0 { dropCounts[c] += 1; disconnects += 1 }
            case "pattern":
                if c >= 0 { patterns[c] = true }
            default:
                break
            }
            if let percent = event.integer("battery"), (0...100).contains(percent) { readings.append((max(c, -1), Int(percent))) }
        }

        var link = ""
        for c in 0..<width {
            let (from, to) = (columnStart(c), columnStart(c + 1))
            var up: UInt64 = 0
            var known: UInt64 = 0
            for (i, change) in changes.enumerated() {
                let next = i + 1 < changes.count ? changes[i + 1].0 : end
                let a = max(from, change.0), b = min(to, next)
                guard b > a else { continue }
                known += b - a
                if change.1 { up += b - a }
            }
            if known == 0 { link.append(" ") }
            else if up == 0 { link.append("·") }
            else if up >= to - from { link.append("█") }
            else { link.append("▒") }
        }
        self.link = link
        drops = String(dropCounts.enumerated().map { c, n -> Character in
            switch n {
            case 0: patterns[c] ? "!" : " "
            case 1: "▼"
            case 2...9: Character(String(n))
            default: "+"
            }
        })
        var battery = ""
        var last: Int?
        var next = 0
        for c in 0..<width {
            while next < readings.count, readings[next].0 <= c {
                last = readings[next].1
                next += 1
            }
            battery.append(last.map(Self.level) ?? " ")
        }
        self.battery = battery
        let inPeriod = readings.filter { $0.0 >= 0 }.map(\.1)
        batteryRange = inPeriod.first.flatMap { first in inPeriod.last.map { (first, $0) } }
    }
}
