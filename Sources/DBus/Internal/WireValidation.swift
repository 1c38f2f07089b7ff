/// Checks a value against everything libdbus would reject while appending.
///
/// libdbus reports bad arguments by aborting the process, and dbus-daemon
/// disconnects a sender of an invalid message, so every outgoing value is
/// checked here first and a bad one becomes a thrown `InvalidArgs`.
enum WireValidation {
    /// The specification's limit on container nesting in one message.
    static let maxDepth = 64

    static func validate(_ body: [DBusValue]) throws(DBusError) {
        var text = ""
        for value in body { value.type.append(to: &text) }
        do {
            _ = try Signature(text)
        } catch {
            throw DBusError(.invalidArgs, error.description)
        }
        for value in body { try validate(value, depth: 0) }
    }

    private static func validate(_ value: DBusValue, depth: Int) throws(DBusError) {
        guard depth <= maxDepth else {
            throw DBusError(.invalidArgs, "value nested deeper than \(maxDepth) containers")
        }
        switch value {
        case .string(let s):
            // libdbus takes C strings: an embedded NUL would silently cut the text.
            if s.utf8.contains(0) { throw DBusError(.invalidArgs, "string contains a NUL byte") }
        case .array(let element, let items):
            try checkType(element)
            for item in items {
                guard item.type == element else {
                    throw DBusError(.invalidArgs, "array of \"\(element.code)\" holds a \"\(item.type.code)\"")
                }
                try validate(item, depth: depth + 1)
            }
        case .dictionary(let key, let valueType, let entries):
            try checkType(.dictionary(key: key, value: valueType))
            for entry in entries {
                guard entry.key.type == key, entry.value.type == valueType else {
                    throw DBusError(
                        .invalidArgs,
                        "dictionary \"a{\(key.code)\(valueType.code)}\" holds an entry \"{\(entry.key.type.code)\(entry.value.type.code)}\"")
                }
                try validate(entry.key, depth: depth + 2)
                try validate(entry.value, depth: depth + 2)
            }
        case .structure(let fields):
            guard !fields.isEmpty else { throw DBusError(.invalidArgs, "empty struct") }
            for field in fields { try validate(field, depth: depth + 1) }
        case .variant(let inner):
            try checkType(inner.type)
            try validate(inner, depth: depth + 1)
        default:
            break
        }
    }

    private static func checkType(_ type: SignatureType) throws(DBusError) {
        do {
            _ = try Signature(type)
        } catch {
            throw DBusError(.invalidArgs, error.description)
        }
    }

    static func containsUnixFD(_ body: [DBusValue]) -> Bool {
        body.contains { value in
            switch value {
            case .unixFD: true
            case .array(let element, let items): element.mentionsUnixFD || containsUnixFD(items)
            case .dictionary(_, _, let entries): containsUnixFD(entries.flatMap { [$0.key, $0.value] })
            case .structure(let fields): containsUnixFD(fields)
            case .variant(let inner): containsUnixFD([inner])
            default: false
            }
        }
    }
}

extension SignatureType {
    var mentionsUnixFD: Bool { code.utf8.contains(UInt8(ascii: "h")) }
}
