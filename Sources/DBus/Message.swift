/// A D-Bus message: header fields and a decoded body.
///
/// Incoming messages are decoded completely on arrival, so a message is a plain
/// value that can cross tasks and never refers back to libdbus memory.
public struct Message: Sendable {
    public enum Kind: Sendable, Hashable {
        case methodCall, methodReturn, error, signal
    }

    public var kind: Kind
    /// Assigned by the connection when sent; 0 before.
    public var serial: UInt32 = 0
    public var replySerial: UInt32?
    public var path: ObjectPath?
    public var interface: InterfaceName?
    public var member: MemberName?
    public var errorName: ErrorName?
    public var destination: BusName?
    public var sender: BusName?
    public var noReplyExpected = false
    public var body: [DBusValue]
    /// The order in which this connection received the message (0 for outgoing
    /// ones): lets a consumer tell which of a reply and a signal came first.
    public internal(set) var sequence: UInt64 = 0

    public init(kind: Kind, body: [DBusValue] = []) {
        self.kind = kind
        self.body = body
    }

    /// The body's signature text, e.g. `sa{sv}as`.
    public var signature: String {
        var out = ""
        for value in body { value.type.append(to: &out) }
        return out
    }

    public static func methodCall(
        destination: BusName?, path: ObjectPath, interface: InterfaceName?, member: MemberName,
        body: [DBusValue] = []
    ) -> Message {
        var m = Message(kind: .methodCall, body: body)
        m.destination = destination
        m.path = path
        m.interface = interface
        m.member = member
        return m
    }

    public static func signal(path: ObjectPath, interface: InterfaceName, member: MemberName, body: [DBusValue] = []) -> Message {
        var m = Message(kind: .signal, body: body)
        m.path = path
        m.interface = interface
        m.member = member
        return m
    }

    /// The successful reply to `call`.
    public static func methodReturn(to call: Message, body: [DBusValue] = []) -> Message {
        var m = Message(kind: .methodReturn, body: body)
        m.replySerial = call.serial
        m.destination = call.sender
        return m
    }

    /// The error reply to `call`.
    public static func error(to call: Message, _ error: DBusError) -> Message {
        var m = Message(kind: .error, body: error.message.isEmpty ? [] : [.string(error.message)])
        m.replySerial = call.serial
        m.destination = call.sender
        m.errorName = error.name
        return m
    }

    /// For an error message, the error it carries.
    public var error: DBusError? {
        guard kind == .error, let name = errorName else { return nil }
        if case .string(let text)? = body.first { return DBusError(name, text) }
        return DBusError(name)
    }

    /// Decodes the whole body as exactly the given types, in order.
    ///
    /// `let (name, props) = try msg.decode(String.self, [String: Variant].self)`.
    /// A body with more, fewer or other values throws, naming both signatures.
    public func decode<each T: DBusRepresentable>(_ types: repeat (each T).Type) throws(DBusDecodingError) -> (repeat each T) {
        var expected = ""
        for type in repeat each types { type.dbusType.append(to: &expected) }
        guard expected == signature else {
            throw DBusDecodingError(expected: "body \"\(expected)\"", actual: "\"\(signature)\"")
        }
        var index = 0
        func next<V: DBusRepresentable>(_ type: V.Type) throws(DBusDecodingError) -> V {
            defer { index += 1 }
            do throws(DBusDecodingError) {
                return try V(dbusValue: body[index])
            } catch {
                throw error.within("argument \(index)")
            }
        }
        return (repeat try next(each types))
    }
}

extension Message: CustomStringConvertible {
    public var description: String {
        var parts = ["\(kind)"]
        if let sender { parts.append("sender=\(sender)") }
        if let destination { parts.append("destination=\(destination)") }
        if let path { parts.append("path=\(path)") }
        if let interface { parts.append("interface=\(interface)") }
        if let member { parts.append("member=\(member)") }
        if let errorName { parts.append("error=\(errorName)") }
        parts.append("serial=\(serial)")
        if let replySerial { parts.append("reply_serial=\(replySerial)") }
        parts.append("signature=\"\(signature)\"")
        return parts.joined(separator: " ")
    }
}
