import ArgumentParser
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
        return show(list, info, session)
    }

    /// Prints the list; the fast path (no parser, blocking calls) prints the same.
    static func show(_ list: [DeviceSnapshot], _ info: ManagerInfo, _ session: Session) -> ExitStatus {
        if session.json {
            Console.out(JSON.object([
                "bluez_available": .bool(info.bluezAvailable),
                "adapters": .strings(info.adapters),
                "devices": .array(list.map(DeviceJSON.object)),
            ]).text)
            return .success
        }
        if !info.bluezAvailable {
            Console.err("sonyctl: BlueZ is not running, so what is shown is what sonyctld last saw (`systemctl start bluetooth`).")
        }
        if list.isEmpty {
            Console.out("No Sony devices yet. Pair one (desktop settings or bluetoothctl) and sonyctld recognises it by itself.")
        } else {
            DeviceText.table(list, on: session.terminal).forEach(Console.out)
        }
        return .success
    }
}
