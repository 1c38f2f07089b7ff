import DBus

/// The Manager's properties: which sonyctld, and whether it can reach BlueZ.
public struct ManagerInfo: Sendable, Equatable {
    public var version: String
    public var bluezAvailable: Bool
    public var adapters: [String]

    public init(version: String, bluezAvailable: Bool, adapters: [String]) {
        self.version = version
        self.bluezAvailable = bluezAvailable
        self.adapters = adapters
    }

    init(properties: [String: Variant]) throws(ClientError) {
        do throws(DBusDecodingError) {
            self.init(
                version: try properties.value("Version", as: String.self) ?? "",
                bluezAvailable: try properties.value("BluezAvailable", as: Bool.self) ?? false,
                adapters: try properties.value("Adapters", as: [String].self) ?? [])
        } catch {
            throw ClientError(.badReply, "sonyctld sent a manager property of the wrong type: \(error)")
        }
    }
}
