// swift-tools-version: 6.1
import PackageDescription

/// Settings every Swift target shares: Swift 6 language mode is the default for
/// tools 6.x; these make imports explicit so `CDBus` cannot leak past `DBus`.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "sonyctl",
    products: [
        .library(name: "DBus", targets: ["DBus"]),
        .library(name: "DBusTestSupport", targets: ["DBusTestSupport"]),
        .library(name: "BlueZ", targets: ["BlueZ"]),
        .library(name: "SonyCore", targets: ["SonyCore"]),
        .library(name: "SonyClient", targets: ["SonyClient"]),
        .executable(name: "sonyctl", targets: ["sonyctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CDBus",
            pkgConfig: "dbus-1",
            providers: [.apt(["libdbus-1-dev"])]
        ),
        .target(
            name: "DBus",
            dependencies: [
                "CDBus",
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
            dependencies: ["DBus"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BlueZ",
            dependencies: ["DBus"],
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
            dependencies: ["CYAML"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SonyService",
            dependencies: [
                "BlueZ", "SonyCore", "DBus", "Executors",
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
        // sonyctl's commands, rendering and exit codes.
        .target(
            name: "SonyCLI",
            dependencies: ["SonyClient", "SonyCore", "DBus", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // A static Swift runtime: megabytes less resident memory and half the
        // start-up of the shared one (../shared/research/dbus-performance-baseline.md).
        // Nothing here uses Foundation; swift-argument-parser uses
        // FoundationEssentials, whose archives refer to each other, so they are
        // linked as a group. Not position-independent: 40,000 fewer relocations
        // to apply at each start (BENCHMARKS.md); libraries keep their ASLR.
        .executableTarget(
            name: "sonyctl",
            dependencies: ["SonyCLI"],
            swiftSettings: swiftSettings,
            linkerSettings: [.unsafeFlags([
                "-static-stdlib", "-use-ld=lld", "-Xclang-linker", "-no-pie",
                "-Xlinker", "--start-group",
                "-lFoundationEssentials", "-l_FoundationCShims", "-l_FoundationCollections", "-lswiftSynchronization",
                "-Xlinker", "--end-group",
            ])]
        ),
        .executableTarget(
            name: "sonyctld",
            dependencies: [
                "SonyService", "SonyCore", "DBus", "Executors",
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
            dependencies: ["DBus", .product(name: "ArgumentParser", package: "swift-argument-parser")],
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
            dependencies: ["CDBus"],
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-use-ld=lld", "-Xclang-linker", "-no-pie"])]
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
            dependencies: ["Executors"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DBusTests",
            dependencies: ["DBus", "DBusTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BlueZTests",
            dependencies: ["BlueZ", "DBus", "DBusTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SonyServiceTests",
            dependencies: ["SonyService", "BlueZ", "SonyCore", "DBus", "DBusTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SonyCLITests",
            dependencies: ["SonyCLI", "SonyClient", "SonyService", "SonyCore", "BlueZ", "DBus", "DBusTestSupport"],
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
