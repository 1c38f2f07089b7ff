import ArgumentParser
import DBus
@_spi(QuietExecutors) import Executors
import Logging
import ServiceLifecycle
import SonyCore
import SonyService
#if canImport(Glibc)
import Glibc
#endif

/// Swift concurrency on threads that sleep until there is work: at rest the
/// daemon makes no wake-ups of its own (BENCHMARKS.md, issue 4).
typealias DefaultExecutorFactory = QuietExecutorFactory

/// sonyctld: wires the configuration, the catalogue, the history, the system bus and
/// the daemon together, and runs it as a service that SIGTERM stops cleanly.
@main
struct Sonyctld: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sonyctld",
        abstract: "Looks after the pairing life of Sony headphones through BlueZ (org.sonyctl.Daemon1).",
        discussion: "Runs until SIGTERM or SIGINT; exits non-zero when the system bus goes away, so that systemd restarts it.")

    @Option(name: .customLong("config"), help: ArgumentHelp("The configuration file.", valueName: "file"))
    var configFile: String?

    @Option(help: ArgumentHelp(
        "Where the history lives; default: $STATE_DIRECTORY (systemd's StateDirectory=), else /var/lib/sonyctl.",
        valueName: "dir"))
    var stateDir: String?

    @Option(help: ArgumentHelp("The model catalogue; default: next to the binary, then the installed one.", valueName: "file"))
    var catalogue: String?

    @Option(help: "How much to log.")
    var logLevel: LogLevel = .info

    @Flag(help: "Check the configuration file and the catalogue, then exit: 0 when both are good, 78 otherwise.")
    var check = false

    /// sysexits.h EX_CONFIG: the unit does not restart on it (`RestartPreventExitStatus=`).
    static let badConfiguration: Int32 = 78

    func run() async throws {
        // First, so that every thread started from here on has them blocked.
        let shutdown = ShutdownRequest()
        ShutdownSignals.forward { _ in shutdown.request() }
        let level = logLevel.level
        LoggingSystem.bootstrap { label in
            var handler = JournalLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "sonyctld")
        let settings: DaemonConfiguration
        let models: ModelCatalogue
        let stateDirectory = stateDir ?? Self.defaultStateDirectory()
        let configPath = configFile ?? (access(Self.installedConfig, R_OK) == 0 ? Self.installedConfig : nil)
        do {
            // A broken file is refused with its line rather than guessed at.
            settings = try configPath.map(DaemonConfiguration.load(contentsOf:)) ?? DaemonConfiguration()
            models = try ModelCatalogue.load(contentsOf: catalogue ?? ModelCatalogue.locate(near: CommandLine.arguments.first))
        } catch {
            logger.critical("\(error)")
            throw ExitCode(Self.badConfiguration)
        }
        if check {
            print("\(configPath ?? "built-in defaults"): OK")
            print("catalogue: OK, \(models.models.count) models")
            return
        }
        logger.info("starting", metadata: [
            "version": "\(DaemonNames.version)", "config": "\(configPath ?? "built-in defaults")",
            "state-dir": "\(stateDirectory)", "models": "\(models.models.count)",
        ])
        let history = try HistoryStore(directory: stateDirectory, retention: settings.history, logger: logger)
        let connection: Connection
        do {
            connection = try Connection.system()
        } catch {
            logger.critical("cannot connect to the system bus: \(error)")
            throw ExitCode.failure
        }
        let daemon = SonyDaemon(connection: connection, catalogue: models, configuration: settings, history: history, logger: logger)
        // No signals for ServiceLifecycle to trap: it would use a dispatch source.
        let group = ServiceGroup(services: [DaemonService(daemon: daemon)], logger: logger)
        shutdown.deliver { Task { await group.triggerGracefulShutdown() } }
        do {
            try await group.run()
        } catch {
            logger.debug("service group: \(error)")
            throw ExitCode.failure
        }
    }

    static let installedConfig = "/etc/sonyctl/sonyctld.yaml"

    /// systemd passes `StateDirectory=` as `$STATE_DIRECTORY` (colon-separated if several).
    static func defaultStateDirectory() -> String {
        if let value = getenv("STATE_DIRECTORY").map({ String(cString: $0) }),
           let first = value.split(separator: ":").first, !first.isEmpty {
            return String(first)
        }
        return "/var/lib/sonyctl"
    }
}

/// The daemon as a ServiceLifecycle service: a graceful shutdown (SIGTERM) cancels it,
/// and `SonyDaemon.run` cleans up on cancellation before it returns.
struct DaemonService: Service {
    let daemon: SonyDaemon

    func run() async throws {
        let executor = daemon.connection.executor
        do {
            try await cancelWhenGracefulShutdown {
                // On the connection's thread: replies and signals resume us without a hop.
                try await withTaskExecutorPreference(executor) { try await daemon.run() }
            }
        } catch {
            // The group reports only that a service failed; say why here.
            daemon.logger.critical("stopping: \(error)")
            throw error
        }
    }
}

/// `--log-level`, with the names swift-log uses.
enum LogLevel: String, CaseIterable, ExpressibleByArgument {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level { Logger.Level(rawValue: rawValue) ?? .info }
}
