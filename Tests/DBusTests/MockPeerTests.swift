import DBus
import DBusTestSupport
import Foundation
import Testing

/// Our client against python-dbusmock: a peer written by somebody else.
@Suite(.timeLimit(.minutes(1)))
struct MockPeerTests {
    let bus: PrivateBus
    let mock: DBusMock
    let client: Connection
    static let name: BusName = "org.sonyctl.Peer"
    static let path: ObjectPath = "/org/sonyctl/Peer"
    static let interface: InterfaceName = "org.sonyctl.Peer1"

    init() async throws {
        bus = try PrivateBus()
        mock = try await DBusMock.object(name: Self.name, path: Self.path, interface: Self.interface, on: bus)
        client = try bus.connect()
    }

    /// Adds a method to the mock through dbusmock's own control interface.
    func addMethod(_ member: String, in inSig: String, out outSig: String, code: String) async throws {
        _ = try await client.call(
            destination: Self.name, path: Self.path, interface: "org.freedesktop.DBus.Mock", member: "AddMethod",
            [.string(Self.interface.rawValue), .string(member), .string(inSig), .string(outSig), .string(code)])
    }

    func emit(_ member: String, from path: ObjectPath = path, _ args: [DBusValue]) async throws {
        let signature = args.map(\.type.code).joined()
        _ = try await client.call(
            destination: Self.name, path: path, interface: "org.freedesktop.DBus.Mock", member: "EmitSignal",
            [.string(Self.interface.rawValue), .string(member), .string(signature), .array(.variant, args.map(DBusValue.variant))])
    }

    @Test func callsReturnTypedValues() async throws {
        try await addMethod("Describe", in: "s", out: "a{sv}", code: "ret = {'name': args[0], 'level': dbus.Byte(7)}")
        let reply = try await client.call(destination: Self.name, path: Self.path, interface: Self.interface, member: "Describe", [.string("xm4")])
        let info = try reply.decode([String: Variant].self)
        #expect(try info.value("name", as: String.self) == "xm4")
        #expect(try info.value("level", as: UInt8.self) == 7)
    }

    @Test func aSlowPeerTimesOutOnTime() async throws {
        try await addMethod("Slow", in: "", out: "s", code: "time.sleep(3); ret = 'late'")
        let start = ContinuousClock.now
        let error = try await #require(throws: DBusError.self) {
            _ = try await client.call(
                destination: Self.name, path: Self.path, interface: Self.interface, member: "Slow", timeout: .milliseconds(300))
        }
        let elapsed = ContinuousClock.now - start
        #expect(error.name == .noReply)
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(2), "\(elapsed)")
    }

    @Test func cancellingTheTaskEndsTheCall() async throws {
        try await addMethod("Slow", in: "", out: "s", code: "time.sleep(3); ret = 'late'")
        let client = self.client
        let call = Task {
            try await client.call(destination: Self.name, path: Self.path, interface: Self.interface, member: "Slow")
        }
        try await Task.sleep(for: .milliseconds(100))
        let start = ContinuousClock.now
        call.cancel()
        await #expect(throws: CancellationError.self) { _ = try await call.value }
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    @Test func signalsArriveFilteredByRule() async throws {
        let all = try await client.signals(matching: MatchRule(sender: Self.name, interface: Self.interface, member: "Changed"))
        let onlyB = try await client.signals(matching: MatchRule(sender: Self.name, interface: Self.interface, member: "Changed", arg0: "b"))
        let below = try await client.signals(matching: MatchRule(sender: Self.name, pathNamespace: "/org/sonyctl/Peer/sub"))
        try await emit("Changed", [.string("a"), .uint32(1)])
        try await emit("Changed", [.string("b"), .uint32(2)])
        var iterator = all.makeAsyncIterator()
        #expect(try await iterator.next()?.body == [.string("a"), .uint32(1)])
        #expect(try await iterator.next()?.body == [.string("b"), .uint32(2)])
        let b = try await first(onlyB, within: .seconds(5), "arg0 b")
        #expect(b.body.first == .string("b"))
        _ = try await client.call(
            destination: Self.name, path: Self.path, interface: "org.freedesktop.DBus.Mock", member: "AddObject",
            [.string("/org/sonyctl/Peer/sub/x"), .string(Self.interface.rawValue), .dictionary(key: .string, value: .variant, []), .array(.structure([.string, .string, .string, .string]), [])])
        try await emit("Changed", from: "/org/sonyctl/Peer/sub/x", [.string("deep"), .uint32(3)])
        let deep = try await first(below, within: .seconds(5), "path namespace")
        #expect(deep.path == "/org/sonyctl/Peer/sub/x")
    }

    /// A signal that claims to come from the peer's interface but is sent by
    /// another connection must not reach a subscription bound to the peer.
    @Test func spoofedSignalsAreNotBelieved() async throws {
        let trusted = try await client.signals(matching: MatchRule(sender: Self.name, interface: Self.interface, member: "Changed"))
        let anyone = try await client.signals(matching: MatchRule(interface: Self.interface, member: "Changed"))
        let rogue = try bus.connect()
        try rogue.send(.signal(path: Self.path, interface: Self.interface, member: "Changed", body: [.string("spoof"), .uint32(0)]))
        let seen = try await first(anyone, within: .seconds(5), "the spoofed signal")
        #expect(seen.sender == rogue.uniqueName)
        try await emit("Changed", [.string("real"), .uint32(1)])
        let believed = try await first(trusted, within: .seconds(5), "the real signal")
        #expect(believed.body.first == .string("real"))
    }

    @Test func endingASubscriptionRemovesItsMatchRule() async throws {
        let client = self.client
        @Sendable func matchRules() async throws -> UInt32 {
            let reply = try await client.call(
                destination: .bus, path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus.Debug.Stats",
                member: "GetConnectionStats", [.string(client.uniqueName.rawValue)])
            return try #require(try reply.decode([String: Variant].self).value("MatchRules", as: UInt32.self))
        }
        let before = try await matchRules()
        let task = Task {
            let stream = try await client.signals(matching: MatchRule(interface: Self.interface, member: "Never"))
            for try await _ in stream {}
        }
        try await waitUntil(within: .seconds(5), "the rule to be added") { try await matchRules() == before + 1 }
        task.cancel()
        try await waitUntil(within: .seconds(5), "the rule to be removed") { try await matchRules() == before }
    }

    @Test func ownerChangesFollowThePeerDying() async throws {
        let owners = try await client.nameOwnerChanges(Self.name)
        var iterator = owners.makeAsyncIterator()
        let current = try await iterator.next()
        #expect(current != nil && current! != nil)
        mock.kill()
        #expect(try await iterator.next() == .some(nil))
    }
}

/// Polls a condition that has no signal of its own, up to a deadline.
func waitUntil(within limit: Duration, _ what: String, _ condition: @escaping @Sendable () async throws -> Bool) async throws {
    try await withDeadline(limit, what) {
        while try await !condition() { try await Task.sleep(for: .milliseconds(20)) }
    }
}
