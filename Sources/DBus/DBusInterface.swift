/// The declaration of one exported interface: its methods with their handlers,
/// its properties and its signals. Introspection XML, signature checks and
/// property access are all derived from this one declaration.
public struct DBusInterface: Sendable {
    public let name: InterfaceName
    public var methods: [Method]
    public var properties: [Property]
    public var signals: [Signal]

    public init(_ name: InterfaceName, methods: [Method] = [], properties: [Property] = [], signals: [Signal] = []) {
        self.name = name
        self.methods = methods
        self.properties = properties
        self.signals = signals
    }

    public struct Argument: Sendable {
        public let name: String
        public let type: SignatureType
        public init(_ name: String, _ type: SignatureType) {
            self.name = name
            self.type = type
        }
    }

    public struct Method: Sendable {
        /// How a method runs. `immediate` handlers run on the connection's own
        /// thread and reply without a task hop, so they must be quick and never
        /// block; `async` handlers run in a task of their own.
        public enum Handler: Sendable {
            case immediate(@Sendable (MethodCall) throws -> [DBusValue])
            case async(@Sendable (MethodCall) async throws -> [DBusValue])
        }

        public let name: MemberName
        public let inputs: [Argument]
        public let outputs: [Argument]
        public let handler: Handler

        /// Worked out once: every call is checked against them.
        let inputSignature: String
        let outputTypes: [SignatureType]

        public init(_ name: MemberName, inputs: [Argument] = [], outputs: [Argument] = [], handler: Handler) {
            self.name = name
            self.inputs = inputs
            self.outputs = outputs
            self.handler = handler
            inputSignature = inputs.map(\.type.code).joined()
            outputTypes = outputs.map(\.type)
        }
    }

    public struct Property: Sendable {
        public enum Access: String, Sendable { case read, readwrite }
        /// The values of `org.freedesktop.DBus.Property.EmitsChangedSignal`.
        public enum EmitsChanged: String, Sendable { case yes = "true", invalidates, const, no = "false" }

        public let name: MemberName
        public let type: SignatureType
        public let access: Access
        public let emitsChanged: EmitsChanged
        public let initial: DBusValue
        /// For writable properties: rejects a value by throwing (an `InvalidArgs`
        /// `DBusError` is the usual answer); nil accepts any value of the type.
        public let validate: (@Sendable (DBusValue) throws -> Void)?

        public init(
            _ name: MemberName, _ type: SignatureType, initial: DBusValue, access: Access = .read,
            emitsChanged: EmitsChanged = .yes, validate: (@Sendable (DBusValue) throws -> Void)? = nil
        ) {
            self.name = name
            self.type = type
            self.initial = initial
            self.access = access
            self.emitsChanged = emitsChanged
            self.validate = validate
        }
    }

    public struct Signal: Sendable {
        public let name: MemberName
        public let arguments: [Argument]
        public init(_ name: MemberName, arguments: [Argument] = []) {
            self.name = name
            self.arguments = arguments
        }
    }

    func method(_ name: MemberName) -> Method? { methods.first { $0.name == name } }
    func property(_ name: MemberName) -> Property? { properties.first { $0.name == name } }
}
