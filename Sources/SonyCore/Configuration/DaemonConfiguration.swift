/// What an operator may set in `sonyctld.yaml`. Every field has the default a missing
/// file or key gets; `ConfigurationParser` refuses unknown keys and bad values, naming
/// the line, so the daemon never starts on a guess.
public struct DaemonConfiguration: Sendable, Equatable {
    /// Without polkit on the bus, members of this group may manage devices (root always may).
    public var fallbackGroup: String?
    /// How long a Forget, Repair or CancelRepair waits for polkit's answer (its password
    /// dialog included) before it is refused; a polkit that hangs costs no more than this.
    public var polkitTimeout: Duration
    /// How patient a repair is with BlueZ.
    public var repair: RepairPolicy
    /// What counts as a disconnect pattern, and what to do after flapping.
    public var watch: WatchPolicy
    /// How much history is kept.
    public var history: HistoryRetention

    public init(
        fallbackGroup: String? = nil, polkitTimeout: Duration = .seconds(120), repair: RepairPolicy = RepairPolicy(), watch: WatchPolicy = WatchPolicy(),
        history: HistoryRetention = HistoryRetention()
    ) {
        self.fallbackGroup = fallbackGroup
        self.polkitTimeout = polkitTimeout
        self.repair = repair
        self.watch = watch
        self.history = history
    }

    /// Reads and validates a configuration file.
    public static func load(contentsOf path: String) throws(DataFileError) -> DaemonConfiguration {
        try parse(yaml: DataFile.readUTF8(path), file: path)
    }

    /// Validates configuration text; `file` only labels the errors. An empty document
    /// (every line commented out, as shipped) is the defaults.
    public static func parse(yaml: String, file: String) throws(DataFileError) -> DaemonConfiguration {
        try ConfigurationParser(file: file).parse(yaml)
    }
}

/// How long and how much history the store keeps; older events are pruned as new ones arrive.
public struct HistoryRetention: Sendable, Equatable {
    /// Events older than this are deleted.
    public var maxAge: Microseconds
    /// Beyond this many events, the oldest are deleted.
    public var maxEvents: Int

    public init(maxAge: Microseconds = 365 * .day, maxEvents: Int = 100_000) {
        self.maxAge = maxAge
        self.maxEvents = maxEvents
    }
}
