import DBus
import DBusTestSupport
import Foundation
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ConnectionTests {
    @Test func callsTheBusAndSeesItsOwnName() async throws {
        let bus = try PrivateBus()
        let connection = try bus.connect()
        let reply = try await connection.call(
            destination: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "ListNames")
        let names = try reply.decode([String].self)
        #expect(names.contains(connection.uniqueName.rawValue))
        #expect(names.contains("org.freedesktop.DBus"))
    }

    @Test func errorRepliesKeepTheirName() async throws {
        let bus = try PrivateBus()
        let connection = try bus.connect()
        let error = try await #require(throws: DBusError.self) {
            _ = try await connection.call(
                destination: "org.example.Nobody", path: "/", interface: "org.example.Nothing", member: "Hello")
        }
        #expect(error.name == .serviceUnknown)
    }

    @Test func requestsAndReleasesNamesAndSeesOwnersChange() async throws {
        let bus = try PrivateBus()
        let watcher = try bus.connect()
        let owner = try bus.connect()
        var changes = try await watcher.nameOwnerChanges("org.sonyctl.Test").makeAsyncIterator()
        #expect(try await changes.next() == .some(nil))
        #expect(try await owner.requestName("org.sonyctl.Test") == .primaryOwner)
        #expect(try await changes.next() == .some(owner.uniqueName))
        #expect(try await watcher.requestName("org.sonyctl.Test") == .exists)
        #expect(try await owner.releaseName("org.sonyctl.Test"))
        #expect(try await changes.next() == .some(nil))
        #expect(try await watcher.nameOwner("org.sonyctl.Test") == nil)
    }

    @Test func ownerVanishesWhenItsProcessDies() async throws {
        let bus = try PrivateBus()
        let connection = try bus.connect()
        let mock = try await DBusMock.object(name: "org.sonyctl.Peer", path: "/peer", interface: "org.sonyctl.Peer", on: bus)
        let changes = try await connection.nameOwnerChanges("org.sonyctl.Peer")
        var iterator = changes.makeAsyncIterator()
        let first = try await iterator.next()
        #expect(first != nil && first! != nil)
        mock.kill()
        #expect(try await iterator.next() == .some(nil))
    }

    @Test func theBusGoingAwayEndsCallsStreamsAndWaiters() async throws {
        let bus = try PrivateBus()
        let connection = try bus.connect()
        let owners = try await connection.nameOwnerChanges("org.sonyctl.Gone")
        let signals = try await connection.signals(matching: MatchRule(interface: "org.sonyctl.Never"))
        bus.stop()
        await connection.waitUntilDisconnected()
        #expect(!connection.isConnected)
        let error = try await #require(throws: DBusError.self) {
            for try await _ in signals {}
        }
        #expect(error.name == .disconnected)
        await #expect(throws: DBusError.self) {
            for try await _ in owners {}
        }
        let callError = try await #require(throws: DBusError.self) {
            _ = try await connection.call(destination: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "ListNames")
        }
        #expect(callError.name == .disconnected)
    }
}

@Suite(.timeLimit(.minutes(1)))
struct CloseTests {
    /// Regression: closing used to release `waitUntilDisconnected` before it
    /// flushed, so a process exiting right after lost the tail of what it sent
    /// (seen as lost signals in the benchmark). A frozen bus keeps the queue
    /// full: the close must not be reported done until the bus took it all.
    @Test func closeIsDoneOnlyWhenEverythingSentHasLeft() async throws {
        let bus = try PrivateBus()
        let receiver = try bus.connect()
        let signals = try await receiver.signals(matching: MatchRule(interface: "org.sonyctl.Flood"))
        let sender = try bus.connect()
        kill(bus.pid, SIGSTOP)
        let count = 5_000
        for i in 0..<count {
            try sender.send(.signal(
                path: "/flood", interface: "org.sonyctl.Flood", member: "Item",
                body: [.uint32(UInt32(i)), .string(String(repeating: "x", count: 200))]))
        }
        let resumed = Atomic<Bool>(false)
        let closing = Task {
            sender.close()
            await sender.waitUntilDisconnected()
            return resumed.load(ordering: .acquiring)
        }
        try await Task.sleep(for: .milliseconds(300))
        resumed.store(true, ordering: .releasing)
        kill(bus.pid, SIGCONT)
        #expect(await closing.value, "the close finished while the bus could not have read the queue")
        let last = try await first(signals, within: .seconds(20), "the last signal") { $0.body.first == .uint32(UInt32(count - 1)) }
        #expect(last.member == "Item")
    }
}
