import ArgumentParser
import SonyCLIOutput
import SonyClient

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the Sony devices sonyctld knows, with model, state, battery and health.")

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Session(output).run { session in try await Self.list(session, client: session.client()) }
    }

    static func list(_ session: Session, client: SonyClient) async throws -> ExitStatus {
        // Both requests go out before either answer is awaited: one round trip, not two.
        async let devices = client.devices()
        async let manager = client.manager()
        let (list, info) = try await (devices, manager)
        return ListView.show(list, info, session)
    }
}
