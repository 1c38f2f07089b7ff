import ArgumentParser
import SonyCLIOutput

/// The options every command takes.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON document (JSON lines for watch and repair) instead of text.")
    var json = false
}

/// The device a command acts on.
struct DeviceArgument: ParsableArguments {
    @Argument(help: "The device: an address, a name or a model.")
    var device: String
}

/// The parser's side of `Session` (which lives in SonyCLIOutput, parser-free,
/// for the `sonyctl` front).
extension Session {
    init(_ options: OutputOptions, terminal: Terminal = .current()) {
        self.init(json: options.json, terminal: terminal)
    }

    /// Runs a command body for swift-argument-parser, which ends the process
    /// with the status.
    func run(_ body: (Session) async throws -> ExitStatus) async throws {
        let status = try await execute(body)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
