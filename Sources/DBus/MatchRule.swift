/// A signal match rule: which signals a subscription wants.
///
/// The same rule is sent to the bus (`AddMatch`) and checked again on our side,
/// because one connection receives the union of all its rules and each
/// subscription must see only its own signals.
public struct MatchRule: Sendable, Hashable {
    public var sender: BusName?
    public var path: ObjectPath?
    public var pathNamespace: ObjectPath?
    public var interface: InterfaceName?
    public var member: MemberName?
    public var arg0: String?

    public init(
        sender: BusName? = nil, path: ObjectPath? = nil, pathNamespace: ObjectPath? = nil,
        interface: InterfaceName? = nil, member: MemberName? = nil, arg0: String? = nil
    ) {
        self.sender = sender
        self.path = path
        self.pathNamespace = pathNamespace
        self.interface = interface
        self.member = member
        self.arg0 = arg0
    }

    /// The rule in the bus's text form.
    public var text: String {
        var parts = ["type='signal'"]
        if let sender { parts.append("sender='\(sender.rawValue)'") }
        if let path { parts.append("path='\(path.rawValue)'") }
        if let pathNamespace { parts.append("path_namespace='\(pathNamespace.rawValue)'") }
        if let interface { parts.append("interface='\(interface.rawValue)'") }
        if let member { parts.append("member='\(member.rawValue)'") }
        if let arg0 { parts.append("arg0='\(Self.escape(arg0))'") }
        return parts.joined(separator: ",")
    }

    /// Match-rule values are quoted with `'`; a quote inside is written `'\''`.
    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "'", with: "'\\''")
    }

    /// Whether `message` is a signal this rule selects. `owner` resolves a
    /// well-known sender name to the unique name that currently owns it.
    func matches(_ message: Message, owner: (BusName) -> BusName?) -> Bool {
        guard message.kind == .signal else { return false }
        if let sender {
            if sender.isUnique || sender == .bus {
                guard message.sender == sender else { return false }
            } else {
                guard let current = owner(sender), message.sender == current else { return false }
            }
        }
        if let path, message.path != path { return false }
        if let pathNamespace {
            guard let messagePath = message.path, messagePath.isInNamespace(pathNamespace) else { return false }
        }
        if let interface, message.interface != interface { return false }
        if let member, message.member != member { return false }
        if let arg0 {
            guard case .string(let first)? = message.body.first, first == arg0 else { return false }
        }
        return true
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
