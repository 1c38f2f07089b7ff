import ArgumentParser
import Foundation
import SonyCore
import SonyService

/// Appends history events the way sonyctld does, each durable before the next, and
/// prints the rate: the figure scripts/bench-watch.sh sets beside sqlite3 doing the
/// same inserts.
@main
struct HistoryBench: AsyncParsableCommand {
    @Option(name: .short, help: "Events to append.")
    var n = 2000

    @Option(help: "Events per transaction (1: each acknowledged on its own, as the daemon does).")
    var batch = 1

    @Option(help: "The state directory (a fresh one by default).")
    var dir: String?

    func run() async throws {
        let directory = dir ?? NSTemporaryDirectory() + "history-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try HistoryStore(directory: directory, logger: SonyDaemon.silent)
        let t0 = SystemWallClock().now()
        let start = ContinuousClock.now
        var pending: [HistoryEvent] = []
        for i in 0..<n {
            var event = HistoryEvent(time: t0 + Microseconds(i), address: "AA:BB:CC:DD:EE:01", kind: i % 2 == 0 ? .connected : .disconnected)
            event.adapter = "hci0"
            event.rssi = -60
            event.reason = "remote"
            pending.append(event)
            if pending.count == batch {
                try await store.append(pending)
                pending = []
            }
        }
        if !pending.isEmpty { try await store.append(pending) }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let stored = try await store.count()
        print("mode=history n=\(n) batch=\(batch) stored=\(stored) per_s=\(Int(Double(n) / seconds))")
        if dir == nil { try? FileManager.default.removeItem(atPath: directory) }
    }
}
