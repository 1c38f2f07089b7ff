import DBus
import DBusTestSupport
import Foundation
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
