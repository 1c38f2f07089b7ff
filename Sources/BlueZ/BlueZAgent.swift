public import DBus
import Locking

/// What bluetoothd asks an agent while pairing or connecting.
public enum AgentRequest: Sendable, Equatable {
    case confirmation(device: ObjectPath, passkey: UInt32)
    case authorization(device: ObjectPath)
    case service(device: ObjectPath, uuid: String)
    case pinCode(device: ObjectPath)
    case passkey(device: ObjectPath)
}

/// Our own `org.bluez.Agent1`, registered with `RegisterAgent` only.
///
/// Never `RequestDefaultAgent`: that would take pairing away from the
/// desktop's agent. Headsets pair "Just Works", so this agent only answers
/// yes or no, and only to calls that really come from bluetoothd.
public final class BlueZAgent: Sendable {
    public let path: ObjectPath
    public let capability: String
    private let client: BlueZClient
    private let registered = Lock(false)
    /// Repairs holding the agent now; registered while this is above zero.
    private let holders = Lock(0)

    /// - Parameter decide: whether to accept a request; called for every one.
    public init(
        client: BlueZClient, path: ObjectPath = "/org/sonyctl/Daemon1/agent", capability: String = "NoInputNoOutput",
        decide: @escaping @Sendable (AgentRequest) -> Bool
    ) {
        self.client = client
        self.path = path
        self.capability = capability
        self.decide = decide
    }

    private let decide: @Sendable (AgentRequest) -> Bool

    /// Exports the agent and registers it now and whenever bluetoothd returns.
    public func install() async throws {
        try client.connection.export(ExportedObject(path: path, interfaces: [interface()]))
        await client.whenAvailable { [weak self] in await self?.register() }
    }

    /// Unregisters (if bluetoothd is still there) and stops serving the agent.
    public func uninstall() async {
        if registered.withLock({ $0 }) {
            _ = try? await client.call(BlueZPaths.root, BlueZPaths.agentManagerInterface, "UnregisterAgent", [.objectPath(path)])
            registered.withLock { $0 = false }
        }
        client.connection.unexport(path)
    }

    public var isRegistered: Bool { registered.withLock { $0 } }

    /// Registers the agent for as long as someone needs it (a repair), so that
    /// bluetoothd never sends us anything while nothing of ours is pairing.
    /// Balance each call with `release()`.
    public func acquire() async {
        let first = holders.withLock { n in
            n += 1
            return n == 1
        }
        guard first else { return }
        // Already there when a release is still unregistering: serving it again is what we want.
        try? client.connection.export(ExportedObject(path: path, interfaces: [interface()]))
        await register()
    }

    /// Unregisters the agent when its last holder lets go.
    public func release() async {
        let last = holders.withLock { n in
            n = max(n - 1, 0)
            return n == 0
        }
        if last { await uninstall() }
    }

    private func register() async {
        do {
            _ = try await client.call(
                BlueZPaths.root, BlueZPaths.agentManagerInterface, "RegisterAgent", [.objectPath(path), .string(capability)])
            registered.withLock { $0 = true }
        } catch {
            // AlreadyExists after a race with ourselves is fine; anything else
            // leaves pairing to the desktop's agent, which still works.
            registered.withLock { $0 = error.kind == .alreadyExists }
        }
    }

    private static let rejected: ErrorName = "org.bluez.Error.Rejected"

    /// Answers only bluetoothd: anyone else calling our agent is refused.
    private func answer(_ call: MethodCall, _ request: AgentRequest) throws -> [DBusValue] {
        guard let sender = call.sender, sender == client.owner else {
            throw DBusError(Self.rejected, "only bluetoothd may call this agent")
        }
        guard decide(request) else { throw DBusError(Self.rejected, "not accepted") }
        return []
    }

    private func interface() -> DBusInterface {
        let device = DBusInterface.Argument("device", .objectPath)
        return DBusInterface("org.bluez.Agent1", methods: [
            .init("Release", handler: .immediate { _ in [] }),
            .init("Cancel", handler: .immediate { _ in [] }),
            .init("RequestConfirmation", inputs: [device, .init("passkey", .uint32)], handler: .immediate { [weak self] call in
                let (path, passkey) = try call.arguments(ObjectPath.self, UInt32.self)
                guard let self else { throw DBusError(Self.rejected) }
                return try self.answer(call, .confirmation(device: path, passkey: passkey))
            }),
            .init("RequestAuthorization", inputs: [device], handler: .immediate { [weak self] call in
                let path = try call.arguments(ObjectPath.self)
                guard let self else { throw DBusError(Self.rejected) }
                return try self.answer(call, .authorization(device: path))
            }),
            .init("AuthorizeService", inputs: [device, .init("uuid", .string)], handler: .immediate { [weak self] call in
                let (path, uuid) = try call.arguments(ObjectPath.self, String.self)
                guard let self else { throw DBusError(Self.rejected) }
                return try self.answer(call, .service(device: path, uuid: uuid))
            }),
            // A headset has no keyboard: PIN and passkey entry are refused.
            .init("RequestPinCode", inputs: [device], outputs: [.init("pincode", .string)], handler: .immediate { call in
                throw DBusError(Self.rejected, "no PIN entry for headsets")
            }),
            .init("RequestPasskey", inputs: [device], outputs: [.init("passkey", .uint32)], handler: .immediate { call in
                throw DBusError(Self.rejected, "no passkey entry for headsets")
            }),
            .init("DisplayPinCode", inputs: [device, .init("pincode", .string)], handler: .immediate { _ in [] }),
            .init("DisplayPasskey", inputs: [device, .init("passkey", .uint32), .init("entered", .uint16)], handler: .immediate { _ in [] }),
        ])
    }
}
