import Locking

/// An object this process serves on the bus: its interfaces and the current
/// values of their properties.
///
/// Property values live here, behind a lock, so `Get` and `GetAll` are answered
/// on the connection's thread without waking any task; changing a value through
/// `setProperties` emits one `PropertiesChanged` for the whole batch.
public final class ExportedObject: Sendable {
    public let path: ObjectPath
    public let isObjectManager: Bool
    let interfaces: [DBusInterface]
    private let values: Lock<[InterfaceName: [MemberName: DBusValue]]>
    private let attachment = Lock<WeakLoop?>(nil)

    /// - Parameter objectManager: also serve `org.freedesktop.DBus.ObjectManager`
    ///   for every object exported below `path`.
    public init(path: ObjectPath, interfaces: [DBusInterface], objectManager: Bool = false) {
        self.path = path
        self.interfaces = interfaces
        self.isObjectManager = objectManager
        var initial: [InterfaceName: [MemberName: DBusValue]] = [:]
        for interface in interfaces {
            var props: [MemberName: DBusValue] = [:]
            for p in interface.properties { props[p.name] = p.initial }
            initial[interface.name] = props
        }
        values = Lock(initial)
    }

    func interface(_ name: InterfaceName) -> DBusInterface? { interfaces.first { $0.name == name } }

    /// The current value of a property, or nil if the object has no such property.
    public func property(_ name: MemberName, of interface: InterfaceName) -> DBusValue? {
        values.withLock { $0[interface]?[name] }
    }

    /// All current property values of one interface.
    public func properties(of interface: InterfaceName) -> [MemberName: DBusValue] {
        values.withLock { $0[interface] ?? [:] }
    }

    /// Sets one property; see `setProperties`.
    public func setProperty(_ name: MemberName, of interface: InterfaceName, to value: DBusValue) throws(DBusError) {
        try setProperties(of: interface, [name: value])
    }

    /// Sets several properties of one interface and announces the ones that
    /// really changed in a single `PropertiesChanged` signal.
    public func setProperties(of interface: InterfaceName, _ changes: [MemberName: DBusValue]) throws(DBusError) {
        guard let declaration = self.interface(interface) else {
            throw DBusError(.unknownInterface, "\(path) has no interface \(interface)")
        }
        for (name, value) in changes {
            guard let property = declaration.property(name) else {
                throw DBusError(.unknownProperty, "\(interface) has no property \(name)")
            }
            guard value.type == property.type else {
                throw DBusError(.invalidArgs, "property \(name) has type \"\(property.type.code)\", not \"\(value.type.code)\"")
            }
        }
        let changed = values.withLock { all -> [MemberName: DBusValue] in
            var current = all[interface] ?? [:]
            var changed: [MemberName: DBusValue] = [:]
            for (name, value) in changes where current[name] != value {
                current[name] = value
                changed[name] = value
            }
            all[interface] = current
            return changed
        }
        guard !changed.isEmpty else { return }
        try announce(changed, of: declaration)
    }

    /// Emits a signal declared by one of this object's interfaces.
    public func emit(_ signal: MemberName, of interface: InterfaceName, _ arguments: [DBusValue] = []) throws(DBusError) {
        guard let declared = self.interface(interface)?.signals.first(where: { $0.name == signal }) else {
            throw DBusError(.invalidArgs, "\(interface) declares no signal \(signal)")
        }
        let expected = declared.arguments.map(\.type.code).joined()
        let actual = arguments.map(\.type.code).joined()
        guard expected == actual else {
            throw DBusError(.invalidArgs, "signal \(signal) takes \"\(expected)\", not \"\(actual)\"")
        }
        try send(.signal(path: path, interface: interface, member: signal, body: arguments))
    }

    private func announce(_ changed: [MemberName: DBusValue], of declaration: DBusInterface) throws(DBusError) {
        var values: [DBusValue.DictEntry] = []
        var invalidated: [DBusValue] = []
        for (name, value) in changed.sorted(by: { $0.key < $1.key }) {
            switch declaration.property(name)?.emitsChanged {
            case .yes?: values.append(.init(.string(name.rawValue), .variant(value)))
            case .invalidates?: invalidated.append(.string(name.rawValue))
            default: break
            }
        }
        guard !values.isEmpty || !invalidated.isEmpty else { return }
        try send(.signal(
            path: path, interface: .properties, member: "PropertiesChanged",
            body: [
                .string(declaration.name.rawValue),
                .dictionary(key: .string, value: .variant, values),
                .array(.string, invalidated),
            ]))
    }

    /// Sends through the connection this object is exported on; before export,
    /// or after, there is nobody to tell, so nothing is sent.
    func send(_ message: Message) throws(DBusError) {
        guard let loop = attachment.withLock({ $0?.loop }) else { return }
        try loop.send(message)
    }

    func attach(to loop: EventLoop?) {
        attachment.withLock { $0 = loop.map(WeakLoop.init) }
    }

    /// `a{sa{sv}}`: every interface with its readable properties, as
    /// `GetManagedObjects` and `InterfacesAdded` carry them.
    var interfacesAndProperties: DBusValue {
        let snapshot = values.withLock { $0 }
        let entries = interfaces.map { interface in
            let props = (snapshot[interface.name] ?? [:]).sorted { $0.key < $1.key }.map {
                DBusValue.DictEntry(.string($0.key.rawValue), .variant($0.value))
            }
            return DBusValue.DictEntry(.string(interface.name.rawValue), .dictionary(key: .string, value: .variant, props))
        }
        return .dictionary(key: .string, value: .dictionary(key: .string, value: .variant), entries)
    }

    func store(_ value: DBusValue, for name: MemberName, of interface: InterfaceName) -> Bool {
        values.withLock { all in
            guard all[interface]?[name] != value else { return false }
            all[interface, default: [:]][name] = value
            return true
        }
    }

    func announceSet(_ name: MemberName, value: DBusValue, of declaration: DBusInterface) {
        try? announce([name: value], of: declaration)
    }
}

final class WeakLoop: Sendable {
    weak let loop: EventLoop?
    init(_ loop: EventLoop) { self.loop = loop }
}
