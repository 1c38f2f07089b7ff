// swift-tools-version: 6.1
import PackageDescription

/// Settings every Swift target shares: Swift 6 language mode is the default for
/// tools 6.x; these make imports explicit so `CDBus` cannot leak past `DBus`.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Set by scripts/sanitize.sh: sonyctl and sonyctl-cli then link the shared Swift runtime, as
/// the other executables do. Under AddressSanitizer the static runtime's
/// `readLine` frees a line ASan's allocator never gave out: a "bad-free" that
/// `print(readLine() ?? "")` built with `-sanitize=address -static-stdlib` shows.
let sanitizing = Context.environment["SONYCTL_SANITIZE"] != nil

/// Set by a packager who wants `sonyctl` and `sonyctl-cli` linked against the
/// system's shared glibc and libdbus (see `staticClient`).
let dynamicClient = Context.environment["SONYCTL_DYNAMIC_CLIENT"] != nil

/// Whether the two executables users run, the `sonyctl` front and the full
/// tool `sonyctl-cli` (and cli-floor, the front's yardstick), are each one
/// static executable: the Swift runtime, libdbus (libdbus-1.a, from
/// libdbus-1-dev) and glibc inside it, so that at each start the dynamic
/// loader maps and relocates nothing. Loading libdbus and the six libraries
/// libsystemd brings (libgcrypt, liblzma, libzstd, liblz4, libcap,
/// libgpg-error) is a third of what `dbus-send` itself takes. Sources/CDBusStatic
/// has the two libsystemd names libdbus-1.a refers to. The price is a
/// packager's: the two have to be rebuilt for a glibc or libdbus fix.
/// BENCHMARKS.md, issue 5, has the figures.
let staticClient = !sanitizing && !dynamicClient

/// The client's link: static; or with the static Swift runtime only, not
/// position-independent and exporting nothing (thousands fewer relocations
/// at each start); or, under the sanitizers, as every other executable.
let clientLinking: [String] =
    staticClient ? ["-static-executable", "-use-ld=lld"]
    : sanitizing ? []
    : ["-static-stdlib", "-use-ld=lld", "-Xclang-linker", "-no-pie", "-Xlinker", "--no-export-dynamic"]

let package = Package(
    name: "sonyctl",
    products: [
        .library(name: "DBus", targets: ["DBus"]),
        .library(name: "DBusTestSupport", targets: ["DBusTestSupport"]),
        .library(name: "BlueZ", targets: ["BlueZ"]),
        .library(name: "SonyCore", targets: ["SonyCore"]),
        .library(name: "SonyClient", targets: ["SonyClient"]),
        .executable(name: "sonyctl", targets: ["sonyctl"]),
        .executable(name: "sonyctl-cli", targets: ["sonyctl-cli"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        // The lock every module shares: a pthread mutex, which ThreadSanitizer sees.
        .target(
            name: "Locking",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CDBus",
            pkgConfig: "dbus-1",
            providers: [.apt(["libdbus-1-dev"])]
        ),
        // What libdbus-1.a needs besides itself, in a static client (`staticClient`).
        .target(name: "CDBusStatic"),
        .target(
            name: "DBus",
            dependencies: [
                "CDBus", "Locking",
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // Swift concurrency's executors without libdispatch: threads that sleep
        // until there is work or a deadline (sonyctld's wake-ups at rest).
        .target(
            name: "Executors",
            dependencies: [
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DBusTestSupport",
            dependencies: ["Locking", "DBus"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BlueZ",
            dependencies: ["Locking", "DBus"],
            swiftSettings: swiftSettings
        ),
        // libyaml itself, without Yams's Foundation layer (see SonyCore/YAML).
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(
            name: "SonyCore",
            dependencies: ["CYAML", "Locking"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SonyService",
            dependencies: [
                "BlueZ", "SonyCore", "DBus", "Executors", "Locking",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // sqlite3_deserialize, for a history on a disk that takes no writes.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The client's typed view of org.sonyctl.Daemon1; no terminal, no parser.
        .target(
            name: "SonyClient",
            dependencies: ["DBus"],
            swiftSettings: swiftSettings
        ),
        // What sonyctl prints and how it ends, without the parser: the
        // terminal, JSON, tables, devices in words, exit codes, failures, the
        // session, the list view, and the `sonyctl` front (`Front`) that
        // answers `list` itself and execs the full tool for the rest.
        .target(
            name: "SonyCLIOutput",
            dependencies: ["Locking", "SonyClient", "DBus"],
            swiftSettings: swiftSettings
        ),
        // sonyctl's commands (swift-argument-parser), printing through SonyCLIOutput.
        .target(
            name: "SonyCLI",
            dependencies: [
                "Locking", "SonyCLIOutput", "SonyClient", "SonyCore", "DBus",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `sonyctl` users run: SonyCLIOutput, SonyClient and DBus only. An
        // image without swift-argument-parser and FoundationEssentials, whose
        // protocol-conformance records the runtime's first conformance lookup
        // reads through and so makes resident (BENCHMARKS.md, issue 5).
        .executableTarget(
            name: "sonyctl",
            dependencies: ["SonyCLIOutput"] + (staticClient ? ["CDBusStatic"] : []),
            exclude: ["Linking"],
            swiftSettings: swiftSettings,
            linkerSettings: sanitizing ? [] : [.unsafeFlags(clientLinking + [
                // The functions `list` runs, laid out together: half the code
                // pages to fault in (scripts/front-symbol-order.sh writes it).
                "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/sonyctl/Linking/symbol-order.txt",
                "-Xlinker", "--no-warn-symbol-ordering",
            ])]
        ),
        // The full tool the front execs for every other command line
        // (installed in $(PREFIX)/libexec/sonyctl/), linked as the front;
        // swift-argument-parser uses FoundationEssentials, whose archives
        // refer to each other, so they are linked as a group.
        .executableTarget(
            name: "sonyctl-cli",
            dependencies: ["SonyCLI"] + (staticClient ? ["CDBusStatic"] : []),
            swiftSettings: swiftSettings,
            linkerSettings: sanitizing ? [] : [.unsafeFlags(clientLinking + [
                "-Xlinker", "--start-group",
                "-lFoundationEssentials", "-l_FoundationCShims", "-l_FoundationCollections", "-lswiftSynchronization",
                "-Xlinker", "--end-group",
            ])]
        ),
        .executableTarget(
            name: "sonyctld",
            dependencies: [
                "SonyService", "SonyCore", "DBus", "Executors", "Locking",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Swift 6.3 installs a main module's DefaultExecutorFactory only when the
            // entry point is compiled without availability checks; on Linux, where
            // there are no OS versions to check, that is all the flag changes.
            swiftSettings: swiftSettings + [.unsafeFlags(["-Xfrontend", "-disable-availability-checking"])]
        ),
        .executableTarget(
            name: "dbus-bench",
            dependencies: ["Locking", "DBus", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "bluez-bench",
            dependencies: ["BlueZ", "DBus", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // The platform's floor for a one-shot Swift D-Bus client, linked as sonyctl is.
        .executableTarget(
            name: "cli-floor",
            dependencies: ["CDBus"] + (staticClient ? ["CDBusStatic"] : []),
            linkerSettings: [.unsafeFlags(clientLinking)]
        ),
        .executableTarget(
            name: "history-bench",
            dependencies: ["SonyService", "SonyCore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // The C libdbus baseline the benchmark measures dbus-bench against.
        .executableTarget(
            name: "dbus-cbench",
            dependencies: ["CDBus"],
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-O2"])]
        ),
        .testTarget(
            name: "ExecutorsTests",
            dependencies: ["Executors", "Locking"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LockingTests",
            dependencies: ["Locking"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DBusTests",
            dependencies: ["Locking", "DBus", "DBusTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BlueZTests",
            dependencies: ["Locking", "BlueZ", "DBus", "DBusTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SonyServiceTests",
            dependencies: ["Locking", "SonyService", "BlueZ", "SonyCore", "DBus", "DBusTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SonyCLITests",
            dependencies: ["Locking", "SonyCLI", "SonyCLIOutput", "SonyClient", "SonyService", "SonyCore", "BlueZ", "DBus", "DBusTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SonyCoreTests",
            dependencies: ["SonyCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
    ]
)
