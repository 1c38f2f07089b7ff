public import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Log lines on stderr, one `write` each so that lines from two threads never interleave.
///
/// Under systemd (`JOURNAL_STREAM` names our stderr) each line starts with the sd-daemon
/// priority prefix (`<3>`…`<7>`), which journald turns into the entry's priority; on a
/// terminal it reads `sonyctld[info]: …`. Metadata follows the message as `key=value`.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    private let label: String
    private let journal: Bool

    public init(label: String, journal: Bool = JournalLogHandler.stderrIsJournal()) {
        self.label = label
        self.journal = journal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        let suffix = fields.sorted { $0.key < $1.key }.map { " \($0.key)=\(Self.quoted($0.value.description))" }.joined()
        // A message with newlines would become several journal entries, the later ones
        // without a priority: keep each entry on one line.
        let text = (event.message.description + suffix).map { $0 == "\n" ? " " : $0 }
        let line = (journal ? "<\(Self.priority(event.level))>" : "\(label)[\(event.level)]: ") + String(text) + "\n"
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// sd-daemon(3): 3 err, 4 warning, 5 notice, 6 info, 7 debug; 2 crit.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func quoted(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" }) ? "\"" + value.replacing("\"", with: "\\\"") + "\"" : value
    }

    /// Whether stderr is the stream journald handed us: `JOURNAL_STREAM` is `device:inode`
    /// of that stream (systemd.exec(5)), and a redirected stderr no longer matches it.
    public static func stderrIsJournal() -> Bool {
        guard let value = getenv("JOURNAL_STREAM").map({ String(cString: $0) }) else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
