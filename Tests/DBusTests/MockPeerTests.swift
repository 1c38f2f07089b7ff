import DBus
import DBusTestSupport
import Foundation
import Locking
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
        // The reply would come after 10 s: anything well short of that is the timeout firing,
        // however loaded the two cores are.
        try await addMethod("Slow", in: "", out: "s", code: "time.sleep(10); ret = 'late'")
        let start = ContinuousClock.now
        let error = try await #require(throws: DBusError.self) {
            _ = try await client.call(
                destination: Self.name, path: Self.path, interface: Self.interface, member: "Slow", timeout: .milliseconds(300))
        }
        let elapsed = ContinuousClock.now - start
        #expect(error.name == .noReply)
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(8), "\(elapsed)")
    }

    @Test func cancellingTheTaskEndsTheCall() async throws {
        try await addMethod("Slow", in: "", out: "s", code: "time.sleep(20); ret = 'late'")
        let client = self.client
        let call = Task {
            try await client.call(destination: Self.name, path: Self.path, interface: Self.interface, member: "Slow")
        }
        try await Task.sleep(for: .milliseconds(100))
        let start = ContinuousClock.now
        call.cancel()
        await #expect(throws: CancellationError.self) { _ = try await call.value }
        // The method takes 20 s; well before that, however loaded or sanitized the
        // machine (2.6 s was seen under ASan, when it took 3 s).
        #expect(ContinuousClock.now - start < .seconds(10))
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

@Suite(.timeLimit(.minutes(1)))
struct SignalHandlerTests {
    @Test func handlersSeeMatchingSignalsUntilCancelled() async throws {
        let bus = try PrivateBus()
        let listener = try bus.connect()
        let sender = try bus.connect()
        let seen = Lock<[UInt32]>([])
        let (events, continuation) = AsyncStream<UInt32>.makeStream()
        let subscription = try await listener.onSignals(matching: MatchRule(sender: sender.uniqueName, member: "Count")) { signal in
            guard let value = try? signal.decode(UInt32.self) else { return }
            seen.withLock { $0.append(value) }
            continuation.yield(value)
        }
        for i in 1...3 { try sender.send(.signal(path: "/c", interface: "org.sonyctl.C", member: "Count", body: [.uint32(UInt32(i))])) }
        try sender.send(.signal(path: "/c", interface: "org.sonyctl.C", member: "Other", body: [.uint32(99)]))
        _ = try await first(events, within: .seconds(5), "the third signal") { $0 == 3 }
        #expect(seen.withLock { $0 } == [1, 2, 3])
        subscription.cancel()
        // A fence: once this later signal arrives elsewhere, the earlier one would have too.
        let fence = try await listener.signals(matching: MatchRule(member: "Fence"))
        try sender.send(.signal(path: "/c", interface: "org.sonyctl.C", member: "Count", body: [.uint32(4)]))
        try sender.send(.signal(path: "/c", interface: "org.sonyctl.C", member: "Fence"))
        _ = try await first(fence, within: .seconds(5), "the fence")
        #expect(seen.withLock { $0 } == [1, 2, 3])
    }

    @Test func handlersAreToldWhenTheBusGoesAway() async throws {
        let bus = try PrivateBus()
        let listener = try bus.connect()
        let (ended, continuation) = AsyncStream<ErrorName>.makeStream()
        let subscription = try await listener.onSignals(matching: MatchRule(member: "Count"), ended: { continuation.yield($0.name) }) { _ in }
        bus.stop()
        #expect(try await first(ended, within: .seconds(5), "the end") == .disconnected)
        subscription.cancel()
    }
}
