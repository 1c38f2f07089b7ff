import CDBus
import Locking

/// The objects a connection exports and the dispatch of calls to them,
/// including the standard interfaces every object answers.
final class ObjectServer: Sendable {
    private let objects = Lock<[ObjectPath: ExportedObject]>([:])
    /// The async handlers still to answer, so that a service stopping can let each one
    /// reply before it leaves the bus (`finishCalls`).
    private let running = Lock<(next: UInt64, tasks: [UInt64: Task<Void, Never>])>((0, [:]))

    func export(_ object: ExportedObject, loop: EventLoop) throws(DBusError) {
        let inserted = objects.withLock { all -> Bool in
            guard all[object.path] == nil else { return false }
            all[object.path] = object
            return true
        }
        guard inserted else { throw DBusError(.invalidArgs, "an object is already exported at \(object.path)") }
        object.attach(to: loop)
        if let manager = manager(above: object.path) {
            try? manager.send(.signal(
                path: manager.path, interface: .objectManager, member: "InterfacesAdded",
                body: [.objectPath(object.path), object.interfacesAndProperties]))
        }
    }

    func unexport(_ path: ObjectPath) {
        guard let object = objects.withLock({ $0.removeValue(forKey: path) }) else { return }
        if let manager = manager(above: path) {
            try? manager.send(.signal(
                path: manager.path, interface: .objectManager, member: "InterfacesRemoved",
                body: [.objectPath(path), .array(.string, object.interfaces.map { .string($0.name.rawValue) })]))
        }
        object.attach(to: nil)
    }

    func removeAll() {
        let all = objects.withLock { all in
            defer { all = [:] }
            return all
        }
        for object in all.values { object.attach(to: nil) }
    }

    func object(at path: ObjectPath) -> ExportedObject? { objects.withLock { $0[path] } }

    private func manager(above path: ObjectPath) -> ExportedObject? {
        objects.withLock { all in
            all.values.filter { $0.isObjectManager && $0.path != path && path.isInNamespace($0.path) }
                .max { $0.path.rawValue.count < $1.path.rawValue.count }
        }
    }

    /// The names of the nodes directly below `path`, for introspection.
    private func children(of path: ObjectPath) -> [String] {
        let prefix = path.rawValue == "/" ? "/" : path.rawValue + "/"
        let names = objects.withLock { all in
            all.keys.compactMap { key -> Substring? in
                guard key.rawValue.hasPrefix(prefix), key != path else { return nil }
                return key.rawValue.dropFirst(prefix.count).split(separator: "/").first
            }
        }
        return Set(names.map(String.init)).sorted()
    }

    /// Cancels the async handlers running now and returns once each has queued its answer.
    func finishCalls() async {
        let tasks = running.withLock { Array($0.tasks.values) }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    // MARK: - Dispatch (on the loop thread)

    func dispatch(_ call: Message, loop: EventLoop) {
        let reply: Result<[DBusValue], DBusError>?
        do {
            reply = try route(call, loop: loop)
        } catch {
            reply = .failure(Self.convert(error))
        }
        if let reply { Self.answer(call, with: reply, loop: loop, fromLoop: true) }
    }

    /// The immediate answer, or nil when an async handler will answer later.
    private func route(_ call: Message, loop: EventLoop) throws -> Result<[DBusValue], DBusError>? {
        guard let path = call.path, let member = call.member else {
            throw DBusError(.unknownMethod, "call without path or member")
        }
        let object = self.object(at: path)
        switch call.interface {
        case InterfaceName.peer?:
            return .success(try peer(member, call))
        case InterfaceName.introspectable?:
            return .success(try introspect(member, call, path: path, object: object))
        case InterfaceName.properties?:
            guard let object else { throw Self.unknownObject(path) }
            return .success(try properties(member, call, object: object))
        case InterfaceName.objectManager?:
            guard let object, object.isObjectManager else {
                throw DBusError(.unknownInterface, "\(path) is not an object manager")
            }
            try Self.checkSignature(call, "", member: member)
            guard member == "GetManagedObjects" else { throw Self.unknownMethod(member, .objectManager) }
            return .success([managedObjects(below: object.path)])
        default:
            guard let object else { throw Self.unknownObject(path) }
            let method: DBusInterface.Method
            if let name = call.interface {
                guard let interface = object.interface(name) else {
                    throw DBusError(.unknownInterface, "\(path) has no interface \(name)")
                }
                guard let found = interface.method(member) else { throw Self.unknownMethod(member, name) }
                method = found
            } else {
                // The interface is optional in a call; the first match answers.
                guard let found = object.interfaces.lazy.compactMap({ $0.method(member) }).first else {
                    throw DBusError(.unknownMethod, "\(path) has no method \(member)")
                }
                method = found
            }
            try Self.checkSignature(call, method.inputSignature, member: member)
            let context = MethodCall(message: call, loop: loop)
            switch method.handler {
            case .immediate(let handler):
                return .success(try Self.checkOutput(try handler(context), of: method))
            case .async(let handler):
                // Made under the lock, so the task's own removal cannot come before it is entered.
                running.withLock { running in
                    let id = running.next
                    running.next += 1
                    running.tasks[id] = Task {
                        let result: Result<[DBusValue], DBusError>
                        do {
                            result = .success(try Self.checkOutput(try await handler(context), of: method))
                        } catch {
                            result = .failure(Self.convert(error))
                        }
                        Self.answer(call, with: result, loop: loop, fromLoop: false)
                        self.running.withLock { _ = $0.tasks.removeValue(forKey: id) }
                    }
                }
                return nil
            }
        }
    }

    private func peer(_ member: MemberName, _ call: Message) throws -> [DBusValue] {
        switch member {
        case "Ping":
            try Self.checkSignature(call, "", member: member)
            return []
        case "GetMachineId":
            try Self.checkSignature(call, "", member: member)
            var error = CDBus.DBusError()
            dbus_error_init(&error)
            defer { dbus_error_free(&error) }
            guard let id = dbus_try_get_local_machine_id(&error) else {
                throw DBusError(.failed, "no machine id on this system")
            }
            defer { dbus_free(id) }
            return [.string(String(cString: id))]
        default:
            throw Self.unknownMethod(member, .peer)
        }
    }

    private func introspect(_ member: MemberName, _ call: Message, path: ObjectPath, object: ExportedObject?) throws -> [DBusValue] {
        guard member == "Introspect" else { throw Self.unknownMethod(member, .introspectable) }
        try Self.checkSignature(call, "", member: member)
        let children = children(of: path)
        guard object != nil || !children.isEmpty || path == .root else { throw Self.unknownObject(path) }
        return [.string(Introspection.xml(for: object, children: children))]
    }

    private func properties(_ member: MemberName, _ call: Message, object: ExportedObject) throws -> [DBusValue] {
        switch member {
        case "Get":
            try Self.checkSignature(call, "ss", member: member)
            let (interface, name) = try call.decode(String.self, String.self)
            let (declaration, property) = try Self.lookUp(object, interface, name)
            guard let value = object.property(property.name, of: declaration.name) else {
                throw DBusError(.unknownProperty, "\(interface) has no property \(name)")
            }
            return [.variant(value)]
        case "GetAll":
            try Self.checkSignature(call, "s", member: member)
            let interface = try call.decode(String.self)
            // An unknown interface answers with no properties, as GDBus and sd-bus do.
            guard let name = try? InterfaceName(interface), object.interface(name) != nil else {
                return [.dictionary(key: .string, value: .variant, [])]
            }
            let entries = object.properties(of: name).sorted { $0.key < $1.key }.map {
                DBusValue.DictEntry(.string($0.key.rawValue), .variant($0.value))
            }
            return [.dictionary(key: .string, value: .variant, entries)]
        case "Set":
            try Self.checkSignature(call, "ssv", member: member)
            let (interface, name, variant) = try call.decode(String.self, String.self, Variant.self)
            let (declaration, property) = try Self.lookUp(object, interface, name)
            guard property.access == .readwrite else {
                throw DBusError(.propertyReadOnly, "property \(name) is read-only")
            }
            guard variant.value.type == property.type else {
                throw DBusError(.invalidArgs, "property \(name) has type \"\(property.type.code)\", not \"\(variant.value.type.code)\"")
            }
            try property.validate?(variant.value)
            if object.store(variant.value, for: property.name, of: declaration.name) {
                object.announceSet(property.name, value: variant.value, of: declaration)
            }
            return []
        default:
            throw Self.unknownMethod(member, .properties)
        }
    }

    private func managedObjects(below path: ObjectPath) -> DBusValue {
        let below = objects.withLock { all in
            all.values.filter { $0.path != path && $0.path.isInNamespace(path) }.sorted { $0.path < $1.path }
        }
        let entries = below.map { DBusValue.DictEntry(.objectPath($0.path), $0.interfacesAndProperties) }
        return .dictionary(key: .objectPath, value: .dictionary(key: .string, value: .dictionary(key: .string, value: .variant)), entries)
    }

    // MARK: - Helpers

    private static func lookUp(_ object: ExportedObject, _ interface: String, _ name: String) throws -> (DBusInterface, DBusInterface.Property) {
        guard let interfaceName = try? InterfaceName(interface), let declaration = object.interface(interfaceName) else {
            throw DBusError(.unknownInterface, "\(object.path) has no interface \(interface)")
        }
        guard let memberName = try? MemberName(name), let property = declaration.property(memberName) else {
            throw DBusError(.unknownProperty, "\(interface) has no property \(name)")
        }
        return (declaration, property)
    }

    private static func checkSignature(_ call: Message, _ expected: String, member: MemberName) throws {
        let actual = call.signature
        guard actual == expected else {
            throw DBusError(.invalidArgs, "\(member) takes \"\(expected)\", not \"\(actual)\"")
        }
    }

    /// A handler that returns another shape than it declares would contradict
    /// the introspection data every client relies on.
    private static func checkOutput(_ body: [DBusValue], of method: DBusInterface.Method) throws -> [DBusValue] {
        guard body.count == method.outputTypes.count, zip(body, method.outputTypes).allSatisfy({ $0.type == $1 }) else {
            let declared = method.outputTypes.map(\.code).joined()
            let actual = body.map(\.type.code).joined()
            throw DBusError(.failed, "\(method.name) answered \"\(actual)\" but declares \"\(declared)\"")
        }
        return body
    }

    private static func unknownObject(_ path: ObjectPath) -> DBusError {
        DBusError(.unknownObject, "no object at \(path)")
    }

    private static func unknownMethod(_ member: MemberName, _ interface: InterfaceName) -> DBusError {
        DBusError(.unknownMethod, "\(interface) has no method \(member)")
    }

    /// Every error leaves as a D-Bus error; one that does not say which becomes `Failed`.
    static func convert(_ error: any Error) -> DBusError {
        if let convertible = error as? any DBusErrorConvertible { return convertible.dbusError }
        if error is CancellationError { return DBusError(.failed, "the call was cancelled") }
        return DBusError(.failed, String(describing: error))
    }

    private static func answer(_ call: Message, with result: Result<[DBusValue], DBusError>, loop: EventLoop, fromLoop: Bool) {
        guard !call.noReplyExpected else { return }
        let reply: Message
        switch result {
        case .success(let body): reply = .methodReturn(to: call, body: body)
        case .failure(let error): reply = .error(to: call, error)
        }
        do {
            try fromLoop ? loop.sendFromLoop(reply) : loop.send(reply)
        } catch {
            // A handler returned something the wire cannot carry: say so instead.
            let fallback = Message.error(to: call, DBusError(.failed, "the reply could not be encoded: \(error.message)"))
            try? fromLoop ? loop.sendFromLoop(fallback) : loop.send(fallback)
        }
    }
}
