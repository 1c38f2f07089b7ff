import ArgumentParser
import DBus
#if canImport(Glibc)
import Glibc
#endif

/// The Swift side of the D-Bus benchmark. It speaks the same command-line
/// contract as `dbus-cbench`, the C libdbus baseline, so `scripts/bench-dbus.sh`
/// runs both side by side in one run.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dbus-bench",
        abstract: "Measures the sonyctl D-Bus layer against the bus in $DBUS_SESSION_BUS_ADDRESS.",
        subcommands: [Serve.self, RoundTrip.self, Pipeline.self, Emit.self, Receive.self, Idle.self])

    static let path: ObjectPath = "/org/sonyctl/Bench"
    static let interface: InterfaceName = "org.sonyctl.Bench1"
    static let signalPath: ObjectPath = "/org/bluez/hci0/dev_00_11_22_33_44_55"

    static func connect(_ address: String?) throws -> Connection {
        if let address { return try Connection(address: address) }
        return try Connection.session()
    }
}

struct Connect: ParsableArguments {
    @Option(help: "Bus address; default $DBUS_SESSION_BUS_ADDRESS.") var address: String?
    @Flag(help: "Run on the global pool instead of the connection's executor.") var pool = false

    /// Runs `body` where the measurement says: on the connection's own thread
    /// (no hop per reply) unless `--pool` asks for the default executor.
    func run<T: Sendable>(on connection: Connection, _ body: @Sendable () async throws -> T) async throws -> T {
        if pool { return try await body() }
        return try await withTaskExecutorPreference(connection.executor, operation: body)
    }
}

struct Serve: AsyncParsableCommand {
    @OptionGroup var bus: Connect
    @Option var name = "org.sonyctl.Bench.Swift"

    func run() async throws {
        let connection = try BenchCommand.connect(bus.address)
        let interface = DBusInterface(BenchCommand.interface, methods: [
            .init("Ping", handler: .immediate { _ in [] }),
            .init("Echo", inputs: [.init("text", .string)], outputs: [.init("text", .string)], handler: .immediate { call in
                [.string(try call.arguments(String.self))]
            }),
        ])
        try connection.export(ExportedObject(path: BenchCommand.path, interfaces: [interface]))
        guard try await connection.requestName(try BusName(name)) == .primaryOwner else {
            throw ValidationError("name \(name) is taken")
        }
        print("ready")
        fflush(nil)
        await connection.waitUntilDisconnected()
    }
}

struct RoundTrip: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rtt")
    @OptionGroup var bus: Connect
    @Option var dest: String
    @Option(name: .short) var n = 20_000
    @Option(name: .short) var w = 1_000

    func run() async throws {
        let connection = try BenchCommand.connect(bus.address)
        let ping = Message.methodCall(destination: try BusName(dest), path: BenchCommand.path, interface: BenchCommand.interface, member: "Ping")
        let (n, w) = (self.n, self.w)
        let line = try await bus.run(on: connection) {
            try await Self.measure(connection, ping, n: n, warm: w)
        }
        print(line)
    }

    static func measure(_ connection: Connection, _ ping: Message, n: Int, warm w: Int) async throws -> String {
        for _ in 0..<w { _ = try await connection.call(ping) }
        var latencies = [UInt64](repeating: 0, count: n)
        let cpu0 = Measure.cpuNanoseconds()
        let start = Measure.monotonicNanoseconds()
        for i in 0..<n {
            let t0 = Measure.monotonicNanoseconds()
            _ = try await connection.call(ping)
            latencies[i] = Measure.monotonicNanoseconds() - t0
        }
        let wall = Double(Measure.monotonicNanoseconds() - start)
        let cpu = Double(Measure.cpuNanoseconds() - cpu0)
        latencies.sort()
        return "mode=rtt n=\(n) p50_us=\(Measure.fixed(Measure.percentile(latencies, 0.5) / 1000)) "
            + "p99_us=\(Measure.fixed(Measure.percentile(latencies, 0.99) / 1000)) "
            + "calls_per_s=\(Int(Double(n) / (wall / 1e9))) cpu_us_per_call=\(Measure.fixed(cpu / Double(n) / 1000))"
    }
}

struct Pipeline: AsyncParsableCommand {
    @OptionGroup var bus: Connect
    @Option var dest: String
    @Option(name: .short) var n = 100_000
    @Option(name: .short) var d = 64

    func run() async throws {
        let connection = try BenchCommand.connect(bus.address)
        let ping = Message.methodCall(destination: try BusName(dest), path: BenchCommand.path, interface: BenchCommand.interface, member: "Ping")
        let (n, d) = (self.n, self.d)
        let start = Measure.monotonicNanoseconds()
        try await bus.run(on: connection) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Keep `d` calls in flight: each answer lets the next one go.
                var started = 0
                while started < min(d, n) {
                    group.addTask { _ = try await connection.call(ping) }
                    started += 1
                }
                while try await group.next() != nil {
                    guard started < n else { continue }
                    group.addTask { _ = try await connection.call(ping) }
                    started += 1
                }
            }
        }
        let wall = Double(Measure.monotonicNanoseconds() - start)
        print("mode=pipeline n=\(n) depth=\(d) calls_per_s=\(Int(Double(n) / (wall / 1e9)))")
    }
}

struct Emit: AsyncParsableCommand {
    @OptionGroup var bus: Connect
    @Option(name: .short) var n = 200_000

    func run() async throws {
        let connection = try BenchCommand.connect(bus.address)
        let start = Measure.monotonicNanoseconds()
        for i in 0..<n {
            let changed: [String: Variant] = ["RSSI": Variant(Int16(-40 - i % 50)), "Seq": Variant(UInt32(truncatingIfNeeded: i))]
            try connection.send(.signal(
                path: BenchCommand.signalPath, interface: .properties, member: "PropertiesChanged",
                body: [.string("org.bluez.Device1"), changed.dbusValue, .array(.string, [])]))
        }
        connection.close()
        await connection.waitUntilDisconnected()
        let wall = Double(Measure.monotonicNanoseconds() - start)
        print("mode=emit n=\(n) per_s=\(Int(Double(n) / (wall / 1e9)))")
    }
}
