public import DBus

/// A python-dbusmock process on a private bus: a template (`bluez5`,
/// `polkitd`, or a path to one of ours) or a bare mock object.
public final class DBusMock: Sendable {
    public let busName: BusName
    private let process: ChildProcess

    /// The Debian interpreter, which has `python3-dbusmock`; a pyenv `python3`
    /// earlier on `PATH` would not.
    public static let python = "/usr/bin/python3"

    /// Starts `python3 -m dbusmock --template TEMPLATE` on `bus` and waits until
    /// it owns `name`.
    public static func template(
        _ template: String, name: BusName, on bus: PrivateBus, system: Bool = true, parameters: String? = nil
    ) async throws -> DBusMock {
        var args = ["-m", "dbusmock", "--template", template]
        if system { args.insert("--system", at: 2) }
        if let parameters { args += ["--parameters", parameters] }
        return try await DBusMock(arguments: args, name: name, bus: bus)
    }

    /// Starts a bare mock object `NAME PATH INTERFACE`, to which tests add
    /// methods through `org.freedesktop.DBus.Mock.AddMethod`.
    public static func object(
        name: BusName, path: ObjectPath, interface: InterfaceName, on bus: PrivateBus
    ) async throws -> DBusMock {
        try await DBusMock(
            arguments: ["-m", "dbusmock", "--system", name.rawValue, path.rawValue, interface.rawValue], name: name, bus: bus)
    }

    private init(arguments: [String], name: BusName, bus: PrivateBus) async throws {
        busName = name
        process = try ChildProcess(Self.python, arguments, environment: bus.environment, stdout: .null)
        let connection = try bus.connect()
        defer { connection.close() }
        do {
            try await waitForOwner(of: name, on: connection, within: .seconds(20))
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    public var pid: Int32 { process.pid }

    /// Kills the mock without warning, as a crash would. Also how a test ends
    /// it: a mock has nothing to save, and python-dbusmock may sit out a SIGTERM.
    public func kill() { process.kill() }

    public func stop() { kill() }
}
