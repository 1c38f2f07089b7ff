import DBus
import DBusTestSupport
import Foundation
import Testing

/// A small exported service, exercised by real clients nobody here wrote.
struct TestService {
    static let interface: InterfaceName = "org.sonyctl.Test1"
    static let path: ObjectPath = "/org/sonyctl/Test1"

    static func object() -> ExportedObject {
        let declaration = DBusInterface(
            interface,
            methods: [
                .init("Echo", inputs: [.init("text", .string)], outputs: [.init("text", .string)], handler: .immediate { call in
                    [.string(try call.arguments(String.self))]
                }),
                .init("Add", inputs: [.init("a", .int32), .init("b", .int32)], outputs: [.init("sum", .int32)], handler: .async { call in
                    let (a, b) = try call.arguments(Int32.self, Int32.self)
                    return [.int32(a &+ b)]
                }),
                .init("WhoAmI", outputs: [.init("uid", .uint32)], handler: .async { call in
                    [.uint32(try await call.callerUnixUser())]
                }),
                .init("Refuse", handler: .async { _ in
                    throw DBusError("org.sonyctl.Test1.Error.Refused", "not today")
                }),
                .init("Lie", outputs: [.init("n", .uint32)], handler: .immediate { _ in [.string("not a number")] }),
            ],
            properties: [
                .init("Count", .uint32, initial: .uint32(0)),
                .init("Label", .string, initial: .string("start"), access: .readwrite, validate: { value in
                    if case .string(let s) = value, s.isEmpty { throw DBusError(.invalidArgs, "Label must not be empty") }
                }),
                .init("Serial", .string, initial: .string("X1"), emitsChanged: .const),
                .init("Secret", .string, initial: .string("s"), emitsChanged: .invalidates),
            ],
            signals: [.init("Tick", arguments: [.init("count", .uint32)])])
        return ExportedObject(path: path, interfaces: [declaration], objectManager: true)
    }
}

@Suite(.timeLimit(.minutes(1)))
struct ExportTests {
    let bus: PrivateBus
    let server: Connection
    let object: ExportedObject
    let name: BusName = "org.sonyctl.Test"

    init() async throws {
        bus = try PrivateBus()
        server = try bus.connect()
        object = TestService.object()
        try server.export(object)
        #expect(try await server.requestName(name) == .primaryOwner)
    }

    func busctl(_ args: String...) async throws -> CommandResult {
        try await run(["busctl", "--address=\(bus.address)"] + args)
    }

    func gdbus(_ args: String...) async throws -> CommandResult {
        try await run(["gdbus"] + [args[0], "--address", bus.address] + args.dropFirst())
    }

    @Test func busctlCallsMethodsAndReadsProperties() async throws {
        let echo = try await busctl("call", name.rawValue, TestService.path.rawValue, TestService.interface.rawValue, "Echo", "s", "hello world")
        #expect(echo.stdout == "s \"hello world\"\n", "\(echo.stderr)")
        let add = try await busctl("call", name.rawValue, TestService.path.rawValue, TestService.interface.rawValue, "Add", "ii", "40", "2")
        #expect(add.stdout == "i 42\n")
        let label = try await busctl("get-property", name.rawValue, TestService.path.rawValue, TestService.interface.rawValue, "Label")
        #expect(label.stdout == "s \"start\"\n")
        let uid = try await busctl("call", name.rawValue, TestService.path.rawValue, TestService.interface.rawValue, "WhoAmI")
        #expect(uid.stdout == "u \(getuid())\n")
    }

    @Test func gdbusIntrospectsWhatDispatchAnswers() async throws {
        let result = try await gdbus("introspect", "--dest", name.rawValue, "--object-path", TestService.path.rawValue)
        #expect(result.status == 0, "\(result.stderr)")
        for expected in [
            "interface org.sonyctl.Test1", "Echo(in  s text,", "out s text)", "Add(in  i a,", "signals:", "Tick(u count)",
            "readonly u Count", "readwrite s Label", "@org.freedesktop.DBus.Property.EmitsChangedSignal(\"const\")",
            "interface org.freedesktop.DBus.ObjectManager", "interface org.freedesktop.DBus.Peer",
        ] {
            #expect(result.stdout.contains(expected), "missing \(expected)")
        }
        let root = try await busctl("tree", name.rawValue)
        #expect(root.stdout.contains("/org/sonyctl/Test1"), "\(root.stdout) \(root.stderr)")
    }

    @Test func gdbusSetsPropertiesAndEveryoneIsTold() async throws {
        let watcher = try bus.connect()
        let changes = try await watcher.signals(matching: MatchRule(
            sender: name, path: TestService.path, interface: .properties, member: "PropertiesChanged"))
        let set = try await gdbus("call", "--dest", name.rawValue, "--object-path", TestService.path.rawValue,
            "--method", "org.freedesktop.DBus.Properties.Set", TestService.interface.rawValue, "Label", "<'fresh'>")
        #expect(set.status == 0, "\(set.stderr)")
        let signal = try await first(changes, within: .seconds(5), "PropertiesChanged")
        let (interface, changed, invalidated) = try signal.decode(String.self, [String: Variant].self, [String].self)
        #expect(interface == TestService.interface.rawValue)
        #expect(changed["Label"]?.get(String.self) == "fresh")
        #expect(invalidated.isEmpty)
        #expect(object.property("Label", of: TestService.interface) == .string("fresh"))

        let empty = try await gdbus("call", "--dest", name.rawValue, "--object-path", TestService.path.rawValue,
            "--method", "org.freedesktop.DBus.Properties.Set", TestService.interface.rawValue, "Label", "<''>")
        #expect(empty.stderr.contains("org.freedesktop.DBus.Error.InvalidArgs"))
    }

    @Test func propertyChangesAreBatchedAndFollowTheirAnnotations() async throws {
        let client = try bus.connect()
        let changes = try await client.signals(matching: MatchRule(path: TestService.path, member: "PropertiesChanged"))
        var iterator = changes.makeAsyncIterator()
        try object.setProperties(of: TestService.interface, ["Count": .uint32(1), "Secret": .string("t"), "Serial": .string("X2")])
        let signal = try #require(try await iterator.next())
        let (_, changed, invalidated) = try signal.decode(String.self, [String: Variant].self, [String].self)
        #expect(Set(changed.keys) == ["Count"])
        #expect(invalidated == ["Secret"])
        // Setting the same value again is not a change and says nothing.
        try object.setProperty("Count", of: TestService.interface, to: .uint32(1))
        try object.setProperty("Count", of: TestService.interface, to: .uint32(2))
        let next = try #require(try await iterator.next())
        let (_, nextChanged, _) = try next.decode(String.self, [String: Variant].self, [String].self)
        #expect(nextChanged["Count"]?.get(UInt32.self) == 2)
        #expect(throws: DBusError.self) { try object.setProperty("Count", of: TestService.interface, to: .string("x")) }
    }

    func errorName(
        _ client: Connection, _ path: ObjectPath, _ interface: InterfaceName, _ member: MemberName, _ body: [DBusValue] = []
    ) async -> ErrorName? {
        do {
            _ = try await client.call(destination: name, path: path, interface: interface, member: member, body)
            return nil
        } catch let error as DBusError {
            return error.name
        } catch {
            return nil
        }
    }

    @Test func standardErrorsForWhatDoesNotExist() async throws {
        let client = try bus.connect()
        #expect(await errorName(client, "/nowhere", TestService.interface, "Echo", [.string("x")]) == .unknownObject)
        #expect(await errorName(client, TestService.path, "org.sonyctl.Nope", "Echo", [.string("x")]) == .unknownInterface)
        #expect(await errorName(client, TestService.path, TestService.interface, "Nope") == .unknownMethod)
        #expect(await errorName(client, TestService.path, TestService.interface, "Echo", [.int32(1)]) == .invalidArgs)
        #expect(await errorName(client, TestService.path, TestService.interface, "Echo") == .invalidArgs)
        #expect(await errorName(client, TestService.path, .properties, "Get", [.string(TestService.interface.rawValue), .string("Nope")]) == .unknownProperty)
        #expect(await errorName(client, TestService.path, .properties, "Set", [.string(TestService.interface.rawValue), .string("Count"), .variant(.uint32(3))]) == .propertyReadOnly)
        #expect(await errorName(client, TestService.path, .properties, "Set", [.string(TestService.interface.rawValue), .string("Label"), .variant(.uint32(3))]) == .invalidArgs)
        #expect(await errorName(client, TestService.path, TestService.interface, "Refuse") == "org.sonyctl.Test1.Error.Refused")
        #expect(await errorName(client, TestService.path, TestService.interface, "Lie") == .failed)
        // The server is still there after all that.
        let ping = try await busctl("call", name.rawValue, "/anything", "org.freedesktop.DBus.Peer", "Ping")
        #expect(ping.status == 0, "\(ping.stderr)")
    }

    @Test func objectManagerAnnouncesChildren() async throws {
        let client = try bus.connect()
        let events = try await client.signals(matching: MatchRule(sender: name, interface: .objectManager))
        var iterator = events.makeAsyncIterator()
        let child = ExportedObject(path: "/org/sonyctl/Test1/devices/dev_1", interfaces: [
            DBusInterface("org.sonyctl.Child1", properties: [.init("Address", .string, initial: .string("AA"))]),
        ])
        try server.export(child)
        let added = try #require(try await iterator.next())
        #expect(added.member == "InterfacesAdded")
        let (path, interfaces) = try added.decode(ObjectPath.self, [String: [String: Variant]].self)
        #expect(path == child.path)
        #expect(interfaces["org.sonyctl.Child1"]?["Address"]?.get(String.self) == "AA")

        let managed = try await busctl("call", name.rawValue, TestService.path.rawValue, InterfaceName.objectManager.rawValue, "GetManagedObjects")
        #expect(managed.stdout.hasPrefix("a{oa{sa{sv}}} 1 \"/org/sonyctl/Test1/devices/dev_1\""), "\(managed.stdout)")

        server.unexport(child.path)
        let removed = try #require(try await iterator.next())
        #expect(removed.member == "InterfacesRemoved")
        #expect(try removed.decode(ObjectPath.self, [String].self) == (child.path, ["org.sonyctl.Child1"]))
        #expect(throws: DBusError.self) { try server.export(TestService.object()) }
    }

    @Test func signalsReachSubscribersAndOnlyThem() async throws {
        let client = try bus.connect()
        let ticks = try await client.signals(matching: MatchRule(sender: name, interface: TestService.interface, member: "Tick"))
        let other = try await client.signals(matching: MatchRule(sender: name, interface: TestService.interface, member: "Tock"))
        try object.emit("Tick", of: TestService.interface, [.uint32(7)])
        let tick = try await first(ticks, within: .seconds(5), "Tick")
        #expect(try tick.decode(UInt32.self) == 7)
        #expect(throws: DBusError.self) { try object.emit("Tick", of: TestService.interface, [.string("7")]) }
        _ = other
    }

    /// Generated bodies of every shape sent to a method that takes one string:
    /// each gets `InvalidArgs`, and the server keeps answering.
    @Test func generatedMalformedCallsAllGetInvalidArgs() async throws {
        let client = try bus.connect()
        var generator = RandomValues(seed: 42)
        var refused = 0
        for _ in 0..<200 {
            let body = generator.body()
            guard body.map(\.type.code).joined() != "s" else { continue }
            do {
                _ = try await client.call(destination: name, path: TestService.path, interface: TestService.interface, member: "Echo", body)
                Issue.record("accepted \(body)")
            } catch let error as DBusError {
                #expect(error.name == .invalidArgs)
                refused += 1
            }
        }
        #expect(refused > 150)
        let reply = try await client.call(destination: name, path: TestService.path, interface: TestService.interface, member: "Echo", [.string("still here")])
        #expect(try reply.decode(String.self) == "still here")
    }

    /// A service stopping with a call still being worked on: `finishCalls` cancels the
    /// handler and returns once it has answered, so the caller hears why rather than
    /// `NoReply` when the service then leaves the bus.
    @Test func finishCallsAnswersEveryCallerBeforeTheServiceLeaves() async throws {
        let started = Latch()
        let slow = DBusInterface("org.sonyctl.Slow1", methods: [
            .init("Wait", handler: .async { _ in
                started.open()
                try await Task.sleep(for: .seconds(60))
                return []
            }),
        ])
        try server.export(ExportedObject(path: "/org/sonyctl/Slow1", interfaces: [slow]))
        let client = try bus.connect()
        let waiting = Task {
            try await client.call(destination: name, path: "/org/sonyctl/Slow1", interface: "org.sonyctl.Slow1", member: "Wait", [])
        }
        await started.wait()
        await server.finishCalls()
        // Leaving the bus as a service does: a last round trip, then closing.
        _ = try await server.releaseName(name)
        server.close()
        guard case .failure(let error) = await waiting.result else {
            Issue.record("the call succeeded")
            return
        }
        #expect((error as? DBusError)?.name == .failed, "\(error)")
        #expect((error as? DBusError)?.message == "the call was cancelled", "\(error)")
    }
}
