/// An incoming method call as a handler sees it: the message and who sent it.
public struct MethodCall: Sendable {
    public let message: Message
    let loop: EventLoop

    /// The caller's unique bus name.
    public var sender: BusName? { message.sender }

    /// Decodes the arguments; the exporter has already checked the signature.
    public func arguments<each T: DBusRepresentable>(_ types: repeat (each T).Type) throws(DBusDecodingError) -> (repeat each T) {
        try message.decode(repeat each types)
    }

    /// The caller's uid, as the bus daemon vouches for it.
    public func callerUnixUser() async throws -> UInt32 {
        guard let sender else { throw DBusError(.failed, "the call has no sender") }
        return try await Connection.unixUser(of: sender, via: loop)
    }
}
