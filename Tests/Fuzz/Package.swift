// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets over everything sonyctl parses from outside: D-Bus message
// bodies, signatures, BlueZ's object tree and signals, the configuration, the
// model catalogue, identification from device facts.
//
// A package of its own, not targets of the root one: an executable whose only
// entry point is `LLVMFuzzerTestOneInput` links only with `--sanitize fuzzer`,
// so the normal `swift build` must never see it. scripts/fuzz.sh builds and
// runs them (RELIABILITY.md).
//
// The root package's identity is the name of whatever folder holds it (a
// worktree, CI's clone), so it is read from where this manifest is.
let root = Context.packageDirectory.split(separator: "/").dropLast(2).last.map(String.init) ?? "sonyctl"

func product(_ name: String) -> Target.Dependency { .product(name: name, package: root) }

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

func fuzzer(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport"] + dependencies, swiftSettings: swiftSettings)
}

let package = Package(
    name: "sonyctl-fuzz",
    dependencies: [.package(path: "../..")],
    targets: [
        // libdbus itself, for the signature target's second opinion.
        .systemLibrary(name: "CLibDBus", pkgConfig: "dbus-1", providers: [.apt(["libdbus-1-dev"])]),
        .target(name: "FuzzSupport", dependencies: [product("DBus")], swiftSettings: swiftSettings),
        fuzzer("fuzz-dbus-message", [product("DBus"), product("BlueZ"), product("SonyClient")]),
        fuzzer("fuzz-signature", [product("DBus"), "CLibDBus"]),
        fuzzer("fuzz-bluez-mirror", [product("DBus"), product("BlueZ")]),
        fuzzer("fuzz-config", [product("SonyCore")]),
        fuzzer("fuzz-catalogue", [product("SonyCore")]),
        fuzzer("fuzz-identify", [product("SonyCore")]),
    ]
)
