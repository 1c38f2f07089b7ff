import ArgumentParser
import BlueZ
import DBus

/// Time from starting a BlueZ mirror to holding BlueZ's complete tree, against
/// whatever owns `org.bluez` on $DBUS_SYSTEM_BUS_ADDRESS (in the benchmark, a C
/// server replaying a captured reply, so the figure is ours, not the peer's).
@main
struct MirrorBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bluez-bench")

    @Option(name: .short, help: "How many mirrors to build, one after another.") var n = 20
    @Option(help: "Devices the tree must hold to count as complete.") var devices: Int

    func run() async throws {
        let connection = try Connection.system()
        var times: [Double] = []
        for _ in 0..<n {
            let client = BlueZClient(connection: connection)
            let events = client.events()
            let start = ContinuousClock.now
            let runner = Task { try await withTaskExecutorPreference(connection.executor) { try await client.run() } }
            for await event in events where event == .available { break }
            let elapsed = ContinuousClock.now - start
            guard client.tree.devices.count == devices else {
                throw ValidationError("mirror holds \(client.tree.devices.count) devices, expected \(devices)")
            }
            runner.cancel()
            _ = await runner.result
            times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
        }
        times.sort()
        let p50 = times[times.count / 2]
        print("mode=mirror n=\(n) devices=\(devices) p50_ms=\((p50 * 1000).rounded() / 1000)")
    }
}
