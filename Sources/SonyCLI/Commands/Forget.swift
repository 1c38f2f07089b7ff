import ArgumentParser
import SonyCLIOutput
import SonyClient

struct Forget: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forget a device: disconnect it and remove its pairing (and its LE twin) from BlueZ.",
        discussion: "Asks first when run on a terminal. Its history is kept. Needs the polkit action org.sonyctl.manage.")

    @OptionGroup var target: DeviceArgument

    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.")
    var yes = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Session(output).run { session in
            let (client, snapshot) = try await session.open(target.device, action: "forget \(target.device)")
            if !yes, session.terminal.canAsk {
                let answer = Console.ask("Forget \(snapshot.displayName) (\(snapshot.address))? Its pairing is removed from this computer. [y/N] ")
                guard answer == "y" || answer == "yes" else {
                    throw Failure(status: .cancelled, kind: "cancelled", message: "nothing was forgotten")
                }
            }
            do throws(ClientError) {
                try await client.forget(snapshot.path)
            } catch {
                throw Failure(error, action: "forget \(snapshot.displayName)")
            }
            if session.json {
                Console.out(JSON.object(["forgotten": .bool(true), "device": DeviceJSON.object(snapshot)]).text)
            } else {
                Console.out("Forgot \(snapshot.displayName) (\(snapshot.address)). To pair it again: `sonyctl repair \(snapshot.address)`.")
            }
            return .success
        }
    }
}
