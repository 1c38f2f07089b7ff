/// Non-generic reads of the common basic types: what a decoder of a large
/// reply (BlueZ's object tree) calls thousands of times, without a generic
/// conversion per value. Each is nil for a value of another type.
extension DBusValue {
    public var stringValue: String? { if case .string(let v) = self { v } else { nil } }
    public var boolValue: Bool? { if case .boolean(let v) = self { v } else { nil } }
    public var byteValue: UInt8? { if case .byte(let v) = self { v } else { nil } }
    public var int16Value: Int16? { if case .int16(let v) = self { v } else { nil } }
    public var uint16Value: UInt16? { if case .uint16(let v) = self { v } else { nil } }
    public var uint32Value: UInt32? { if case .uint32(let v) = self { v } else { nil } }
    public var objectPathValue: ObjectPath? { if case .objectPath(let v) = self { v } else { nil } }

    /// The contents of a variant, or the value itself when it is not one.
    public var unwrapped: DBusValue { if case .variant(let inner) = self { inner } else { self } }

    /// `as`: nil unless every element is a string.
    public var stringArrayValue: [String]? {
        guard case .array(.string, let items) = self else { return nil }
        return items.compactMap(\.stringValue)
    }

    /// `ay`.
    public var byteArrayValue: [UInt8]? {
        guard case .array(.byte, let items) = self else { return nil }
        return items.compactMap(\.byteValue)
    }

    /// The entries of a dictionary whose keys are strings (`a{s…}`).
    public var stringKeyedEntries: [(key: String, value: DBusValue)]? {
        guard case .dictionary(.string, _, let entries) = self else { return nil }
        return entries.compactMap { entry in entry.key.stringValue.map { ($0, entry.value) } }
    }
}
