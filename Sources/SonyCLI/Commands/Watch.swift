import ArgumentParser
import DBus
import SonyCLIOutput
import SonyClient

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow connects, drops, battery, patterns and repairs as they happen, until Ctrl-C.",
        discussion: "With --json, one JSON document per line: what a desktop script subscribes to.")

    @Argument(help: "Only this device (an address, a name or a model); default: all.")
    var device: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Session(output).run { session in
            let client = try session.client()
            var only: ObjectPath?
            if let device { only = try await session.device(device, on: client, action: "watch \(device)").path }
            // Subscribed before the snapshot is taken: nothing falls between the two.
            let events: AsyncThrowingStream<DaemonEvent, any Error>
            var feed: WatchFeed
            do throws(ClientError) {
                events = try await client.events()
                feed = WatchFeed(devices: try await client.devices(), only: only)
            } catch {
                throw Failure(error, action: "watch")
            }
            // On standard error even with --json: it tells a reader that the subscription is in place.
            Console.err("Watching sonyctld; Ctrl-C stops.")
            do {
                for try await event in events {
                    for item in try feed.items(for: event, now: WallClock.now()) {
                        Console.out(session.json ? item.json.text : item.line(on: session.terminal))
                    }
                }
            } catch let error as ClientError {
                throw Failure(error, action: "watch")
            }
            throw Failure(ClientError(.busUnavailable, "the system bus went away"), action: "watch")
        }
    }
}
