import DBus
import DBusTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ExecutorTests {
    static func threadName() -> String {
        (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?.trimmingCharacters(in: .newlines) ?? ""
    }

    @Test func tasksPreferringTheConnectionRunOnItsThread() async throws {
        let bus = try PrivateBus()
        let connection = try bus.connect()
        let names = try await withTaskExecutorPreference(connection.executor) { () async throws -> [String] in
            var seen = [Self.threadName()]
            for _ in 0..<3 {
                _ = try await connection.call(destination: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "GetId")
                seen.append(Self.threadName())
            }
            return seen
        }
        #expect(names == Array(repeating: "dbus-connection", count: 4))
        #expect(Self.threadName() != "dbus-connection")
    }

    /// A task that prefers a connection which then goes away must still finish.
    @Test func tasksOutliveTheirConnection() async throws {
        let bus = try PrivateBus()
        let connection = try bus.connect()
        let outcome = Task {
            try await withTaskExecutorPreference(connection.executor) { () async throws -> String in
                do {
                    for try await _ in try await connection.signals(matching: MatchRule(member: "Never")) {}
                    return "ended"
                } catch let error as DBusError {
                    try await Task.sleep(for: .milliseconds(10))
                    return error.name.rawValue + " on " + Self.threadName()
                }
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        connection.close()
        let result = try await withDeadline(.seconds(30), "the task to finish") { try await outcome.value }
        #expect(result.hasPrefix(ErrorName.disconnected.rawValue))
        #expect(!result.hasSuffix("dbus-connection"))
    }
}
