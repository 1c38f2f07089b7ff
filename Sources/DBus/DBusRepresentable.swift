/// A Swift type with a fixed D-Bus type, convertible both ways.
///
/// Composes through arrays, dictionaries and `Variant`, so a reply such as
/// BlueZ's `a{oa{sa{sv}}}` decodes in one line:
/// `try reply.decode([ObjectPath: [String: [String: Variant]]].self)`.
public protocol DBusRepresentable: Sendable {
    static var dbusType: SignatureType { get }
    init(dbusValue: DBusValue) throws(DBusDecodingError)
    var dbusValue: DBusValue { get }
}

extension DBusRepresentable {
    static func mismatch(_ value: DBusValue) -> DBusDecodingError {
        DBusDecodingError(expected: "\"\(dbusType.code)\"", actual: "\"\(value.type.code)\"")
    }
}

extension Bool: DBusRepresentable {
    public static var dbusType: SignatureType { .boolean }
    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .boolean(let v) = dbusValue else { throw Self.mismatch(dbusValue) }
        self = v
    }
    public var dbusValue: DBusValue { .boolean(self) }
}

extension UInt8: DBusRepresentable {
    public static var dbusType: SignatureType { .byte }
    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .byte(let v) = dbusValue else { throw Self.mismatch(dbusValue) }
        self = v
    }
    public var dbusValue: DBusValue { .byte(self) }
}

extension Int16: DBusRepresentable {
    public static var dbusType: SignatureType { .int16 }
    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .int16(let v) = dbusValue else { throw Self.mismatch(dbusValue) }
        self = v
    }
    public var dbusValue: DBusValue { .int16(self) }
}

extension UInt16: DBusRepresentable {
    public static var dbusType: SignatureType { .uint16 }
    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .uint16(let v) = dbusValue else { throw Self.mismatch(dbusValue) }
        self = v
    }
    public var dbusValue: DBusValue { .uint16(self) }
}

extension Int32: DBusRepresentable {
    public static var dbusType: SignatureType { .int32 }
    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .int32(let v) = dbusValue else { throw Self.mismatch(dbusValue) }
        self = v
    }
    public var dbusValue: DBusValue { .int32(self) }
}

extension UInt32: DBusRepresentable {
    public static var dbusType: SignatureType { .uint32 }
    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .uint32(let v) = dbusValue else { throw Self.mismatch(dbusValue) }
        self = v
    }
    public var dbusValue: DBusValue { .uint32(self) }
}

extension Int64: DBusRepresentable {
    public static var dbusType: SignatureType { .int64 }
    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .int64(let v) = dbusValue else { throw Self.mismatch(dbusValue) }
        self = v
    }
    public var dbusValue: DBusValue { .int64(self) }
}

extension UInt64: DBusRepresentable {
    public static var dbusType: SignatureType { .uint64 }
    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .uint64(let v) = dbusValue else { throw Self.mismatch(dbusValue) }
        self = v
    }
    public var dbusValue: DBusValue { .uint64(self) }
}

extension Double: DBusRepresentable {
    public static var dbusType: SignatureType { .double }
    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .double(let v) = dbusValue else { throw Self.mismatch(dbusValue) }
        self = v
    }
    public var dbusValue: DBusValue { .double(self) }
}

extension String: DBusRepresentable {
    public static var dbusType: SignatureType { .string }
    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .string(let v) = dbusValue else { throw Self.mismatch(dbusValue) }
        self = v
    }
    public var dbusValue: DBusValue { .string(self) }
}

extension ObjectPath: DBusRepresentable {
    public static var dbusType: SignatureType { .objectPath }
    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .objectPath(let v) = dbusValue else { throw Self.mismatch(dbusValue) }
        self = v
    }
    public var dbusValue: DBusValue { .objectPath(self) }
}

extension Signature: DBusRepresentable {
    public static var dbusType: SignatureType { .signature }
    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .signature(let v) = dbusValue else { throw Self.mismatch(dbusValue) }
        self = v
    }
    public var dbusValue: DBusValue { .signature(self) }
}

extension UnixFD: DBusRepresentable {
    public static var dbusType: SignatureType { .unixFD }
    public convenience init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .unixFD(let v) = dbusValue else { throw Self.mismatch(dbusValue) }
        do {
            try self.init(duplicating: v.rawValue)
        } catch {
            throw DBusDecodingError(expected: "a usable file descriptor", actual: v.description)
        }
    }
    public var dbusValue: DBusValue { .unixFD(self) }
}

extension Array: DBusRepresentable where Element: DBusRepresentable {
    public static var dbusType: SignatureType { .array(Element.dbusType) }
    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .array(let type, let items) = dbusValue, type == Element.dbusType else {
            throw Self.mismatch(dbusValue)
        }
        var result: [Element] = []
        result.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do throws(DBusDecodingError) {
                result.append(try Element(dbusValue: item))
            } catch {
                throw error.within("[\(index)]")
            }
        }
        self = result
    }
    public var dbusValue: DBusValue { .array(Element.dbusType, map(\.dbusValue)) }
}

extension Dictionary: DBusRepresentable where Key: DBusRepresentable, Value: DBusRepresentable {
    public static var dbusType: SignatureType { .dictionary(key: Key.dbusType, value: Value.dbusType) }
    public init(dbusValue: DBusValue) throws(DBusDecodingError) {
        guard case .dictionary(let k, let v, let entries) = dbusValue, k == Key.dbusType, v == Value.dbusType else {
            throw Self.mismatch(dbusValue)
        }
        var result: [Key: Value] = [:]
        result.reserveCapacity(entries.count)
        for entry in entries {
            let key = try Key(dbusValue: entry.key)
            do throws(DBusDecodingError) {
                // A repeated key is legal on the wire; the last one wins, as in GLib.
                result[key] = try Value(dbusValue: entry.value)
            } catch {
                throw error.within("[\(entry.key)]")
            }
        }
        self = result
    }
    public var dbusValue: DBusValue {
        .dictionary(key: Key.dbusType, value: Value.dbusType, map { DBusValue.DictEntry($0.key.dbusValue, $0.value.dbusValue) })
    }
}

extension DBusValue {
    /// The fields of a struct value with exactly `count` fields; for hand-written
    /// `DBusRepresentable` conformances of Swift structs.
    public func structFields(_ count: Int, as type: SignatureType) throws(DBusDecodingError) -> [DBusValue] {
        guard case .structure(let fields) = self, fields.count == count, self.type == type else {
            throw DBusDecodingError(expected: "\"\(type.code)\"", actual: "\"\(self.type.code)\"")
        }
        return fields
    }
}
