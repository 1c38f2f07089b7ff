import ArgumentParser
import SonyCLIOutput
import SonyClient

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show everything sonyctld knows about a device, with its advice.")

    @OptionGroup var target: DeviceArgument

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Session(output).run { session in
            let (_, snapshot) = try await session.open(target.device, action: "show \(target.device)")
            if session.json {
                Console.out(JSON.object(["device": DeviceJSON.object(snapshot)]).text)
            } else {
                DeviceText.page(snapshot, now: WallClock.now(), on: session.terminal).forEach(Console.out)
            }
            return .success
        }
    }
}
