import ArgumentParser
import SonyClient

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show everything sonyctld knows about a device, with its advice.")

    @Argument(help: "The device: an address, a name or a model.")
    var device: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Session(output).run { session in
            let client = try session.client()
            let snapshot = try await session.device(device, on: client, action: "show \(device)")
            if session.json {
                Console.out(JSON.object(["device": DeviceJSON.object(snapshot)]).text)
            } else {
                DeviceText.page(snapshot, now: WallClock.now(), on: session.terminal).forEach(Console.out)
            }
            return .success
        }
    }
}
