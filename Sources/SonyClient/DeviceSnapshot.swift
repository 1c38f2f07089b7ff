public import DBus

/// One `org.sonyctl.Daemon1.Device` object as the daemon showed it at one moment.
///
/// A property the daemon left out takes DESIGN.md's "unknown" value (an older
/// daemon may lack newer ones); a property of the wrong type is a bad reply.
public struct DeviceSnapshot: Sendable, Equatable {
    public var path: ObjectPath
    public var address: String
    public var name: String
    /// `""` when Sony but the model is unknown.
    public var model: String
    public var evidence: [String]
    public var adapter: String
    public var present: Bool
    public var paired: Bool
    public var trusted: Bool
    public var connected: Bool
    /// Percent, nil when unknown (the daemon's -1).
    public var battery: Int?
    public var health: String
    public var advice: String
    public var repairState: String
    /// µs since the epoch, nil for never (the daemon's 0).
    public var lastConnected: UInt64?
    public var lastDisconnected: UInt64?
    public var disconnectsLastHour: UInt32

    public init(path: ObjectPath, properties: [String: Variant]) throws(ClientError) {
        self.path = path
        address = ""
        name = ""
        model = ""
        evidence = []
        adapter = ""
        present = false
        paired = false
        trusted = false
        connected = false
        health = "unknown"
        advice = ""
        repairState = "idle"
        disconnectsLastHour = 0
        try update(properties)
    }

    /// Applies a `PropertiesChanged` (or a whole `GetAll`); unknown names are ignored.
    public mutating func update(_ properties: [String: Variant]) throws(ClientError) {
        do throws(DBusDecodingError) {
            if let v = try properties.value("Address", as: String.self) { address = v }
            if let v = try properties.value("Name", as: String.self) { name = v }
            if let v = try properties.value("Model", as: String.self) { model = v }
            if let v = try properties.value("Evidence", as: [String].self) { evidence = v }
            if let v = try properties.value("Adapter", as: String.self) { adapter = v }
            if let v = try properties.value("Present", as: Bool.self) { present = v }
            if let v = try properties.value("Paired", as: Bool.self) { paired = v }
            if let v = try properties.value("Trusted", as: Bool.self) { trusted = v }
            if let v = try properties.value("Connected", as: Bool.self) { connected = v }
            if let v = try properties.value("Battery", as: Int32.self) { battery = (0...100).contains(v) ? Int(v) : nil }
            if let v = try properties.value("Health", as: String.self) { health = v }
            if let v = try properties.value("Advice", as: String.self) { advice = v }
            if let v = try properties.value("RepairState", as: String.self) { repairState = v }
            if let v = try properties.value("LastConnected", as: UInt64.self) { lastConnected = v == 0 ? nil : v }
            if let v = try properties.value("LastDisconnected", as: UInt64.self) { lastDisconnected = v == 0 ? nil : v }
            if let v = try properties.value("DisconnectsLastHour", as: UInt32.self) { disconnectsLastHour = v }
        } catch {
            throw ClientError(.badReply, "sonyctld sent a device property of the wrong type: \(error)")
        }
    }

    /// What a person calls it: the name, else the model, else the address.
    public var displayName: String {
        if !name.isEmpty { return name }
        if !model.isEmpty { return model }
        return address
    }

    /// True while a repair is under way (any stage that is not final).
    public var isRepairing: Bool {
        !["idle", "succeeded", "failed", "cancelled"].contains(repairState)
    }
}
