import DBus

/// The declarations of DESIGN.md's two interfaces. Handlers are supplied by
/// the daemon; introspection and signature checks come from these.
enum DaemonInterfaces {
    static func manager(resolve: @escaping @Sendable (MethodCall) throws -> [DBusValue]) -> DBusInterface {
        DBusInterface(
            DaemonNames.managerInterface,
            methods: [
                .init("ResolveDevice", inputs: [.init("query", .string)], outputs: [.init("device", .objectPath)], handler: .immediate(resolve)),
            ],
            properties: [
                .init("Version", .string, initial: .string(DaemonNames.version), emitsChanged: .const),
                .init("BluezAvailable", .boolean, initial: .boolean(false)),
                .init("Adapters", .array(.string), initial: .array(.string, [])),
            ])
    }

    struct DeviceHandlers: Sendable {
        var forget: @Sendable (MethodCall) async throws -> [DBusValue]
        var repair: @Sendable (MethodCall) async throws -> [DBusValue]
        var cancelRepair: @Sendable (MethodCall) async throws -> [DBusValue]
        var history: @Sendable (MethodCall) async throws -> [DBusValue]
        var diagnose: @Sendable (MethodCall) throws -> [DBusValue]
    }

    static func device(_ handlers: DeviceHandlers, initial: [MemberName: DBusValue]) -> DBusInterface {
        func property(_ name: MemberName, _ type: SignatureType, _ fallback: DBusValue) -> DBusInterface.Property {
            .init(name, type, initial: initial[name] ?? fallback)
        }
        return DBusInterface(
            DaemonNames.deviceInterface,
            methods: [
                .init("Forget", handler: .async(handlers.forget)),
                .init("Repair", inputs: [.init("options", .dictionary(key: .string, value: .variant))], handler: .async(handlers.repair)),
                .init("CancelRepair", handler: .async(handlers.cancelRepair)),
                .init(
                    "GetHistory", inputs: [.init("since_us", .uint64), .init("limit", .uint32)],
                    outputs: [.init("events", .array(.structure([.uint64, .string, .dictionary(key: .string, value: .variant)])))],
                    handler: .async(handlers.history)),
                .init(
                    "Diagnose",
                    outputs: [.init("step", .string), .init("advice", .string), .init("checks", .array(.structure([.string, .string, .string])))],
                    handler: .immediate(handlers.diagnose)),
            ],
            properties: [
                property("Address", .string, .string("")),
                property("Name", .string, .string("")),
                property("Model", .string, .string("")),
                property("Evidence", .array(.string), .array(.string, [])),
                property("Adapter", .string, .string("")),
                property("Present", .boolean, .boolean(false)),
                property("Paired", .boolean, .boolean(false)),
                property("Trusted", .boolean, .boolean(false)),
                property("Connected", .boolean, .boolean(false)),
                property("Battery", .int32, .int32(-1)),
                property("Health", .string, .string("unknown")),
                property("Advice", .string, .string("")),
                property("RepairState", .string, .string("idle")),
                property("LastConnected", .uint64, .uint64(0)),
                property("LastDisconnected", .uint64, .uint64(0)),
                property("DisconnectsLastHour", .uint32, .uint32(0)),
            ],
            signals: [
                .init("RepairProgress", arguments: [.init("stage", .string), .init("message", .string)]),
                .init("RepairFinished", arguments: [.init("success", .boolean), .init("error_name", .string), .init("message", .string)]),
                .init("DisconnectPattern", arguments: [
                    .init("kind", .string), .init("count", .uint32), .init("window_seconds", .uint32), .init("advice", .string),
                ]),
            ])
    }
}
