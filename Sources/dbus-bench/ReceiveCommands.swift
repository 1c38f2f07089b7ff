import ArgumentParser
import DBus
import Locking
#if canImport(Glibc)
import Glibc
#endif

/// The rule the C receiver installs too: what the daemon will use for BlueZ.
let propertiesRule = MatchRule(pathNamespace: "/org/bluez", interface: .properties, member: "PropertiesChanged")

struct Receive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "recv")
    @OptionGroup var bus: Connect
    @Option(name: .short) var n = 200_000
    @Flag(help: "Decode in a handler on the connection's thread instead of iterating a stream in a task.")
    var handler = false

    /// What the receiver has seen; updated by whichever thread decodes.
    struct Tally {
        var got = 0, first: UInt64 = 0, last: UInt64 = 0, cpu0: UInt64 = 0, checksum: UInt64 = 0

        /// Fully decodes one signal, as the C receiver walks every value.
        mutating func count(_ signal: Message) {
            if got == 0 {
                first = Measure.monotonicNanoseconds()
                cpu0 = Measure.cpuNanoseconds()
            }
            if let (_, changed, _) = try? signal.decode(String.self, [String: Variant].self, [String].self),
               let rssi = changed["RSSI"]?.get(Int16.self), let seq = changed["Seq"]?.get(UInt32.self) {
                checksum &+= UInt64(seq) &+ UInt64(UInt16(bitPattern: rssi))
            }
            got += 1
            last = Measure.monotonicNanoseconds()
        }
    }

    func run() async throws {
        let connection = try BenchCommand.connect(bus.address)
        let tally = Lock(Tally())
        let n = self.n
        var receiver: Task<Void, Never>?
        var subscription: SignalSubscription?
        if handler {
            subscription = try await connection.onSignals(matching: propertiesRule) { signal in
                tally.withLock { $0.count(signal) }
            }
        } else {
            let signals = try await connection.signals(matching: propertiesRule)
            let bus = self.bus
            receiver = Task {
                _ = try? await bus.run(on: connection) {
                    for try await signal in signals {
                        if tally.withLock({ t -> Bool in t.count(signal); return t.got == n }) { break }
                    }
                }
            }
        }
        print("ready")
        fflush(nil)
        // Ends the count when signals stop arriving, so a lost one cannot hang the run.
        var seen = -1
        while true {
            try await Task.sleep(for: .milliseconds(500))
            let now = tally.withLock { $0.got }
            if now >= n || (now > 0 && now == seen) { break }
            seen = now
        }
        let cpu1 = Measure.cpuNanoseconds()
        receiver?.cancel()
        subscription?.cancel()
        let t = tally.withLock { $0 }
        let wall = Double(max(t.last - t.first, 1))
        let cpuPerSignal = Double(cpu1 - t.cpu0) / Double(max(t.got, 1)) / 1000
        print("mode=recv n=\(n) got=\(t.got) lost=\(n - t.got) per_s=\(Int(Double(max(t.got - 1, 0)) / (wall / 1e9))) "
            + "cpu_us_per_signal=\(Measure.fixed(cpuPerSignal, 2))")
    }
}

struct Idle: AsyncParsableCommand {
    @OptionGroup var bus: Connect
    @Option(name: .short) var s = 10

    func run() async throws {
        let connection = try BenchCommand.connect(bus.address)
        let signals = try await connection.signals(matching: propertiesRule)
        // Let the set-up's last steps (the thread parking itself in poll after
        // the AddMatch reply) finish before the window opens.
        try await Task.sleep(for: .seconds(1))
        let cpu0 = Measure.cpuNanoseconds()
        let switches0 = Measure.contextSwitches()
        let loop0 = Measure.threadSwitches(named: "dbus-connection")
        try await Task.sleep(for: .seconds(s))
        let loopSwitches = Measure.threadSwitches(named: "dbus-connection") - loop0
        let switches = Measure.contextSwitches() - switches0
        let cpu = Double(Measure.cpuNanoseconds() - cpu0) / 1e6
        _ = signals
        // The sleeping task's own wake-up at the end is the one expected switch.
        print("mode=idle seconds=\(s) cpu_ms=\(Measure.fixed(cpu, 2)) wakeups=\(switches) connection_thread_wakeups=\(loopSwitches)")
    }
}
