public import DBus
#if canImport(Glibc)
import Glibc
#endif

/// Decides whether a caller may change pairings (`org.sonyctl.manage`).
///
/// polkit decides when it is on the bus, for the caller's bus name, so the
/// answer follows the caller's session. Only when no polkit is there does the
/// daemon fall back to uid 0 or members of a configured group.
public struct Authorizer: Sendable {
    public let connection: Connection
    public let action: String
    public let fallbackGroup: String?
    /// polkit may show a password dialog; a caller waiting that long is normal.
    public let timeout: Duration

    static let polkit: BusName = "org.freedesktop.PolicyKit1"

    public init(connection: Connection, action: String = DaemonNames.manageAction, fallbackGroup: String? = nil, timeout: Duration = .seconds(120)) {
        self.connection = connection
        self.action = action
        self.fallbackGroup = fallbackGroup
        self.timeout = timeout
    }

    /// Throws `NotAuthorized` unless `call`'s sender may act.
    public func authorize(_ call: MethodCall) async throws {
        guard let sender = call.sender else { throw DaemonError(.notAuthorized, "the call has no sender") }
        do {
            let subject = DBusValue.structure([.string("system-bus-name"), ["name": Variant(sender.rawValue)].dbusValue])
            let reply = try await connection.call(
                .methodCall(
                    destination: Self.polkit, path: "/org/freedesktop/PolicyKit1/Authority",
                    interface: "org.freedesktop.PolicyKit1.Authority", member: "CheckAuthorization",
                    body: [subject, .string(action), [String: String]().dbusValue, .uint32(1), .string("")]),
                timeout: timeout)
            guard case .structure(let fields)? = reply.body.first, fields.count == 3, case .boolean(let allowed) = fields[0] else {
                throw DaemonError(.notAuthorized, "polkit gave an answer of the wrong shape")
            }
            guard allowed else { throw DaemonError(.notAuthorized, "polkit did not authorize \(action) for \(sender)") }
        } catch let error as DBusError where [.serviceUnknown, .nameHasNoOwner].contains(error.name) {
            try await fallback(call)
        } catch let error as DBusError {
            throw DaemonError(.notAuthorized, "polkit could not decide: \(error)")
        }
    }

    private func fallback(_ call: MethodCall) async throws {
        let uid = try await call.callerUnixUser()
        if uid == 0 || Self.user(uid, isIn: fallbackGroup) { return }
        throw DaemonError(.notAuthorized, "no polkit on the bus, and uid \(uid) is neither root nor in group \(fallbackGroup ?? "(none configured)")")
    }

    static func user(_ uid: UInt32, isIn group: String?) -> Bool {
        guard let group, let entry = getgrnam(group) else { return false }
        let gid = entry.pointee.gr_gid
        guard let user = getpwuid(uid) else { return false }
        if user.pointee.pw_gid == gid { return true }
        let name = String(cString: user.pointee.pw_name)
        var member = entry.pointee.gr_mem
        while let pointer = member?.pointee {
            if String(cString: pointer) == name { return true }
            member = member?.advanced(by: 1)
        }
        return false
    }
}
