import ArgumentParser
import SonyCLIOutput
import SonyClient

/// `--since`: a length of time back from now, or a local date and time.
struct Since: ExpressibleByArgument, Sendable, Equatable {
    enum Value: Sendable, Equatable {
        case ago(seconds: UInt64)
        case at(micros: UInt64)
    }

    var value: Value

    init?(argument: String) {
        if let seconds = Span.parse(argument) {
            value = .ago(seconds: seconds)
        } else if let micros = WallClock.parseLocal(argument) {
            value = .at(micros: micros)
        } else {
            return nil
        }
    }

    func micros(now: UInt64) -> UInt64 {
        switch value {
        case .ago(let seconds): now > seconds * 1_000_000 ? now - seconds * 1_000_000 : 0
        case .at(let micros): micros
        }
    }
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a device's connections, drops, battery, pairings and repairs.",
        discussion: "On a terminal a compact timeline of the period comes first: when it was connected, where it dropped, how the battery fell.")

    @OptionGroup var target: DeviceArgument

    @Option(help: ArgumentHelp(
        "Only events since then: a length of time (90s, 30m, 2h, 7d, 1w) or a local time (2026-12-01, \"2026-12-01 14:00\").",
        valueName: "when"))
    var since: Since?

    @Option(help: ArgumentHelp("At most the newest N events; 0 for all.", valueName: "N"))
    var limit: UInt32 = 100

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Session(output).run { session in
            let (client, snapshot) = try await session.open(target.device, action: "show the history of \(target.device)")
            let now = WallClock.now()
            let from = since?.micros(now: now) ?? 0
            let events: [HistoryEvent]
            do throws(ClientError) {
                events = try await client.history(snapshot.path, since: from, limit: limit)
            } catch {
                throw Failure(error, action: "read the history of \(snapshot.displayName)")
            }
            if session.json {
                Console.out(JSON.object([
                    "device": DeviceJSON.object(snapshot), "since_us": .integer(from), "limit": .integer(limit),
                    "events": .array(events.map(HistoryText.json)),
                ]).text)
                return .success
            }
            Console.out(session.terminal.paint("History of \(snapshot.displayName) (\(snapshot.address))", .bold))
            guard let first = events.first else {
                Console.out(since == nil ? "No events recorded yet." : "No events since \(WallClock.dateTime(from)).")
                return .success
            }
            if session.terminal.isInteractive {
                let start = since == nil ? first.time : from
                HistoryText.timeline(events, from: start, to: max(now, events.last?.time ?? now), on: session.terminal).forEach(Console.out)
                Console.out("")
            }
            HistoryText.rows(events, on: session.terminal).forEach(Console.out)
            if limit > 0, events.count == Int(limit) {
                Console.out(session.terminal.paint("(the newest \(limit); --limit 0 shows all)", .dim))
            }
            return .success
        }
    }
}
