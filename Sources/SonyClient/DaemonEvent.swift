public import DBus

/// Something sonyctld announced: what `sonyctl watch` and `repair` follow.
public enum DaemonEvent: Sendable, Equatable {
    /// `RepairProgress(s stage, s message)`.
    case repairProgress(device: ObjectPath, stage: String, message: String)
    /// `RepairFinished(b success, s error_name, s message)`.
    case repairFinished(device: ObjectPath, success: Bool, errorName: String, message: String)
    /// `DisconnectPattern(s kind, u count, u window_seconds, s advice)`.
    case disconnectPattern(device: ObjectPath, kind: String, count: UInt32, windowSeconds: UInt32, advice: String)
    /// `PropertiesChanged` of a device.
    case deviceChanged(device: ObjectPath, changed: [String: Variant])
    /// A device object appeared (`InterfacesAdded` with the Device interface).
    case deviceAdded(DeviceSnapshot)
    /// A device object went away.
    case deviceRemoved(device: ObjectPath)
    /// `org.sonyctl.Daemon1` gained an owner (true) or lost it (false).
    case daemonPresent(Bool)

    /// The event a signal from the daemon stands for, nil for a signal of no
    /// interest (another interface, the Manager's properties).
    public init?(_ signal: Message) throws(ClientError) {
        guard let path = signal.path, let member = signal.member?.rawValue else { return nil }
        var added: (ObjectPath, [String: Variant])?
        do throws(DBusDecodingError) {
            switch (signal.interface, member) {
            case (Daemon1.deviceInterface?, "RepairProgress"):
                let (stage, message) = try signal.decode(String.self, String.self)
                self = .repairProgress(device: path, stage: stage, message: message)
            case (Daemon1.deviceInterface?, "RepairFinished"):
                let (success, error, message) = try signal.decode(Bool.self, String.self, String.self)
                self = .repairFinished(device: path, success: success, errorName: error, message: message)
            case (Daemon1.deviceInterface?, "DisconnectPattern"):
                let (kind, count, window, advice) = try signal.decode(String.self, UInt32.self, UInt32.self, String.self)
                self = .disconnectPattern(device: path, kind: kind, count: count, windowSeconds: window, advice: advice)
            case (.properties?, "PropertiesChanged"):
                let (interface, changed, _) = try signal.decode(String.self, [String: Variant].self, [String].self)
                guard interface == Daemon1.deviceInterface.rawValue else { return nil }
                self = .deviceChanged(device: path, changed: changed)
            case (.objectManager?, "InterfacesAdded"):
                let (object, interfaces) = try signal.decode(ObjectPath.self, [String: [String: Variant]].self)
                guard let properties = interfaces[Daemon1.deviceInterface.rawValue] else { return nil }
                added = (object, properties)
                self = .deviceRemoved(device: object)
            case (.objectManager?, "InterfacesRemoved"):
                let (object, interfaces) = try signal.decode(ObjectPath.self, [String].self)
                guard interfaces.contains(Daemon1.deviceInterface.rawValue) else { return nil }
                self = .deviceRemoved(device: object)
            default:
                return nil
            }
        } catch {
            throw ClientError(.badReply, "sonyctld sent a \(member) signal of the wrong shape: \(error)")
        }
        // Decoding the device's properties throws a ClientError of its own.
        if let (object, properties) = added { self = .deviceAdded(try DeviceSnapshot(path: object, properties: properties)) }
    }
}
