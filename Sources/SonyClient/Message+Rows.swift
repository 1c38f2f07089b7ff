import DBus

extension Message {
    /// Checks the whole body against `signature`, then returns the array of
    /// structs at `index` as field lists, each of the struct type `fields`.
    func rows(_ signature: String, at index: Int, fields: [SignatureType]) throws(DBusDecodingError) -> [[DBusValue]] {
        guard self.signature == signature, index < body.count, case .array(_, let items) = body[index] else {
            throw DBusDecodingError(expected: "\"\(signature)\"", actual: "\"\(self.signature)\"")
        }
        var rows: [[DBusValue]] = []
        rows.reserveCapacity(items.count)
        for item in items {
            rows.append(try item.structFields(fields.count, as: .structure(fields)))
        }
        return rows
    }
}
