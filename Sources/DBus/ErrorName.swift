/// A D-Bus error name such as `org.bluez.Error.InProgress`; same rules as interface names.
public struct ErrorName: ValidatedName {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
    public static func problem(with text: String) -> String? { NameRules.dottedProblem(text) }
}
