/// A D-Bus variant (`v`): a value that carries its own type.
public struct Variant: DBusRepresentable, Equatable, CustomStringConvertible {
    public let value: DBusValue

    public init(_ value: DBusValue) { self.value = value }
    public init(_ value: some DBusRepresentable) { self.value = value.dbusValue }

    public static var dbusType: SignatureType { .variant }

    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .variant(let inner) = dbusValue else { throw Self.mismatch(dbusValue) }
        value = inner
    }

    public var dbusValue: DBusValue { .variant(value) }

    /// The contained value as `T`, or a decoding error naming both types.
    public func decode<T: DBusRepresentable>(_ type: T.Type = T.self) throws(DBusDecodingError) -> T {
        try T(dbusValue: value)
    }

    /// The contained value as `T`, or nil when it has another type.
    public func get<T: DBusRepresentable>(_ type: T.Type = T.self) -> T? {
        try? T(dbusValue: value)
    }

    public var description: String { "<\(value)>" }
}

extension Dictionary where Key == String, Value == Variant {
    /// The entry `key` as `T`: nil when missing, an error when present with another type.
    ///
    /// BlueZ omits properties it does not know; a present one of the wrong type is
    /// a peer bug worth reporting rather than silently treating as absent.
    public func value<T: DBusRepresentable>(_ key: String, as type: T.Type = T.self) throws(DBusDecodingError) -> T? {
        guard let variant = self[key] else { return nil }
        do throws(DBusDecodingError) {
            return try variant.decode(T.self)
        } catch {
            throw error.within(key)
        }
    }
}
