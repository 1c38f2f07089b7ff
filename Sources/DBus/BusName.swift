/// A unique (`:1.42`) or well-known (`org.bluez`) bus name.
public struct BusName: ValidatedName {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }

    public static let bus: BusName = "org.freedesktop.DBus"

    public var isUnique: Bool { rawValue.hasPrefix(":") }

    public static func problem(with text: String) -> String? {
        if text.hasPrefix(":") {
            guard text.utf8.count <= NameRules.maxLength else { return "longer than \(NameRules.maxLength) bytes" }
            return NameRules.dottedProblem(String(text.dropFirst()), extra: UInt8(ascii: "-"), digitsMayLead: true)
        }
        return NameRules.dottedProblem(text, extra: UInt8(ascii: "-"))
    }
}
