public import DBus

extension BlueZClient {
    /// BlueZ's own timeout for long operations is far above libdbus's 25 s
    /// default; `Pair` and `Connect` can take that long with a slow headset.
    public static let longTimeout: Duration = .seconds(120)

    /// Calls BlueZ, turning every failure into a classified `BlueZError`.
    func call(
        _ path: ObjectPath, _ interface: InterfaceName, _ member: MemberName, _ body: [DBusValue] = [],
        timeout: Duration = Connection.defaultTimeout
    ) async throws(BlueZError) -> Message {
        guard isAvailable else { throw BlueZError(.bluezUnavailable, message: "bluetoothd is not on the bus") }
        do {
            return try await connection.call(
                .methodCall(destination: BlueZPaths.service, path: path, interface: interface, member: member, body: body),
                timeout: timeout)
        } catch let error as DBusError {
            // A call that bluetoothd took with it when it left is "unavailable", not a mystery.
            if !isAvailable { throw BlueZError(.bluezUnavailable, name: error.name.rawValue, message: error.message) }
            throw BlueZError(error)
        } catch {
            throw BlueZError(.other, message: String(describing: error))
        }
    }

    /// `Adapter1.RemoveDevice`: forgets the device and its bonding information.
    public func removeDevice(_ device: ObjectPath) async throws(BlueZError) {
        guard let adapter = BlueZPaths.adapter(of: device) else {
            throw BlueZError(.invalidArguments, message: "\(device) is not a BlueZ device path")
        }
        _ = try await call(adapter, BlueZPaths.adapterInterface, "RemoveDevice", [.objectPath(device)])
    }

    /// `Adapter1.SetDiscoveryFilter`; `nil` clears this client's filter.
    public func setDiscoveryFilter(_ adapter: ObjectPath, _ filter: DiscoveryFilter?) async throws(BlueZError) {
        let value = filter?.dbusValue ?? [String: Variant]().dbusValue
        _ = try await call(adapter, BlueZPaths.adapterInterface, "SetDiscoveryFilter", [value])
    }

    public func startDiscovery(_ adapter: ObjectPath) async throws(BlueZError) {
        _ = try await call(adapter, BlueZPaths.adapterInterface, "StartDiscovery")
    }

    public func stopDiscovery(_ adapter: ObjectPath) async throws(BlueZError) {
        _ = try await call(adapter, BlueZPaths.adapterInterface, "StopDiscovery")
    }

    /// `Device1.Pair`. Cancelling the task sends `CancelPairing`.
    public func pair(_ device: ObjectPath, timeout: Duration = longTimeout) async throws(BlueZError) {
        do {
            try await withTaskCancellationHandler {
                _ = try await call(device, BlueZPaths.deviceInterface, "Pair", timeout: timeout)
            } onCancel: {
                Task { try? await self.cancelPairing(device) }
            }
        } catch let error as BlueZError {
            throw error
        } catch {
            throw BlueZError(.canceled, message: "pairing was cancelled")
        }
    }

    public func cancelPairing(_ device: ObjectPath) async throws(BlueZError) {
        _ = try await call(device, BlueZPaths.deviceInterface, "CancelPairing")
    }

    public func connect(_ device: ObjectPath, timeout: Duration = longTimeout) async throws(BlueZError) {
        _ = try await call(device, BlueZPaths.deviceInterface, "Connect", timeout: timeout)
    }

    public func disconnect(_ device: ObjectPath) async throws(BlueZError) {
        _ = try await call(device, BlueZPaths.deviceInterface, "Disconnect")
    }

    /// Sets `Device1.Trusted`, so the headset may reconnect without asking an agent.
    public func setTrusted(_ device: ObjectPath, _ trusted: Bool) async throws(BlueZError) {
        _ = try await call(device, .properties, "Set", [
            .string(BlueZPaths.deviceInterface.rawValue), .string("Trusted"), .variant(.boolean(trusted)),
        ])
    }
}

/// The keys of `Adapter1.SetDiscoveryFilter` that a repair uses.
public struct DiscoveryFilter: Sendable, Equatable {
    public enum Transport: String, Sendable { case auto, bredr, le }
    public var transport: Transport = .auto
    public var uuids: [String] = []
    public var pattern: String?
    public var duplicateData = false

    public init(transport: Transport = .auto, uuids: [String] = [], pattern: String? = nil, duplicateData: Bool = false) {
        self.transport = transport
        self.uuids = uuids
        self.pattern = pattern
        self.duplicateData = duplicateData
    }

    var dbusValue: DBusValue {
        var dict: [String: Variant] = ["Transport": Variant(transport.rawValue), "DuplicateData": Variant(duplicateData)]
        if !uuids.isEmpty { dict["UUIDs"] = Variant(uuids) }
        if let pattern { dict["Pattern"] = Variant(pattern) }
        return dict.dbusValue
    }
}
