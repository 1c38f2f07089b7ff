import ArgumentParser
import DBus
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The rule the C receiver installs too: what the daemon will use for BlueZ.
let propertiesRule = MatchRule(pathNamespace: "/org/bluez", interface: .properties, member: "PropertiesChanged")

struct Receive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "recv")
    @OptionGroup var bus: Connect
    @Option(name: .short) var n = 200_000

    func run() async throws {
        let connection = try BenchCommand.connect(bus.address)
        let signals = try await connection.signals(matching: propertiesRule)
        print("ready")
        fflush(nil)
        let progress = Atomic<Int>(0)
        let n = self.n
        // Counts and fully decodes every signal, as the C receiver walks every value.
        let receiver = Task { () -> (got: Int, first: UInt64, last: UInt64, cpu0: UInt64, cpu1: UInt64, seqSum: UInt64) in
            var got = 0, first: UInt64 = 0, last: UInt64 = 0, cpu0: UInt64 = 0, seqSum: UInt64 = 0
            do {
                for try await signal in signals {
                    if got == 0 {
                        first = Measure.monotonicNanoseconds()
                        cpu0 = Measure.cpuNanoseconds()
                    }
                    let (_, changed, _) = try signal.decode(String.self, [String: Variant].self, [String].self)
                    if let rssi = try changed.value("RSSI", as: Int16.self), let seq = try changed.value("Seq", as: UInt32.self) {
                        seqSum &+= UInt64(seq) &+ UInt64(UInt16(bitPattern: rssi))
                    }
                    got += 1
                    last = Measure.monotonicNanoseconds()
                    progress.store(got, ordering: .relaxed)
                    if got == n { break }
                }
            } catch {}
            return (got, first, last, cpu0, Measure.cpuNanoseconds(), seqSum)
        }
        // Ends the count when signals stop arriving, so a lost one cannot hang the run.
        var seen = -1
        while true {
            try await Task.sleep(for: .seconds(2))
            let now = progress.load(ordering: .relaxed)
            if now == n || (now > 0 && now == seen) { break }
            seen = now
        }
        receiver.cancel()
        let result = await receiver.value
        let wall = Double(max(result.last - result.first, 1))
        let cpuPerSignal = Double(result.cpu1 - result.cpu0) / Double(max(result.got, 1)) / 1000
        print("mode=recv n=\(n) got=\(result.got) lost=\(n - result.got) per_s=\(Int(Double(max(result.got - 1, 0)) / (wall / 1e9))) "
            + "cpu_us_per_signal=\(Measure.fixed(cpuPerSignal, 2))")
    }
}

struct Idle: AsyncParsableCommand {
    @OptionGroup var bus: Connect
    @Option(name: .short) var s = 10

    func run() async throws {
        let connection = try BenchCommand.connect(bus.address)
        let signals = try await connection.signals(matching: propertiesRule)
        let cpu0 = Measure.cpuNanoseconds()
        let switches0 = Measure.contextSwitches()
        try await Task.sleep(for: .seconds(s))
        let switches = Measure.contextSwitches() - switches0
        let cpu = Double(Measure.cpuNanoseconds() - cpu0) / 1e6
        _ = signals
        // The sleeping task's own wake-up at the end is the one expected switch.
        print("mode=idle seconds=\(s) cpu_ms=\(Measure.fixed(cpu, 2)) wakeups=\(switches)")
    }
}
