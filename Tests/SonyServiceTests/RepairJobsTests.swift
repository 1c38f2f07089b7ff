import DBus
import SonyCore
@testable import SonyService
import Testing

/// The daemon's running repairs, without a bus.
@Suite struct RepairJobsTests {
    @Test func aDaemonStoppingCancelsItsRepairsAndStartsNoMore() async throws {
        let jobs = RepairJobs(executor: nil)
        let running = try jobs.start(address: "AA:BB:CC:DD:EE:01", adapter: "/org/bluez/hci0") {
            do {
                try await Task.sleep(for: .seconds(60))
                return .succeeded
            } catch {
                return .cancelled(message: "stopped")
            }
        }
        #expect(throws: DaemonError.self, "one repair per adapter") {
            try jobs.start(address: "AA:BB:CC:DD:EE:02", adapter: "/org/bluez/hci0") { .succeeded }
        }
        await jobs.cancelAll()
        #expect(await running.value == .cancelled(message: "stopped"))
        // Even on an adapter nothing was running on: the job would die with the process.
        let refused = #expect(throws: DaemonError.self) {
            try jobs.start(address: "AA:BB:CC:DD:EE:03", adapter: "/org/bluez/hci1") { .succeeded }
        }
        #expect(refused?.message == "sonyctld is stopping")
        #expect(jobs.task(for: "AA:BB:CC:DD:EE:03") == nil)
    }
}
