/// A value or message body that does not have the shape the reader asked for.
///
/// It names what was expected, what came, and where in the value it happened,
/// so that a log line or an `InvalidArgs` reply tells the peer what to fix.
public struct DBusDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public let expected: String
    public let actual: String
    public let context: String

    public init(expected: String, actual: String, context: String = "") {
        self.expected = expected
        self.actual = actual
        self.context = context
    }

    public var description: String {
        let place = context.isEmpty ? "" : " at \(context)"
        return "expected \(expected), got \(actual)\(place)"
    }

    /// The same error seen one level further out, e.g. inside array element 3.
    func within(_ place: String) -> DBusDecodingError {
        DBusDecodingError(expected: expected, actual: actual, context: context.isEmpty ? place : place + "." + context)
    }
}

extension DBusDecodingError: DBusErrorConvertible {
    public var dbusError: DBusError { DBusError(.invalidArgs, description) }
}
