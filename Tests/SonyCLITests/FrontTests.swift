import DBus
import DBusTestSupport
import Foundation
import SonyCLIOutput
import Synchronization
import Testing

/// The `sonyctl` front: `list` answered by itself, the same as the full tool
/// prints it; everything else exec'd to `sonyctl-cli` in the same process.
@Suite(.timeLimit(.minutes(1)))
struct FrontTests {
    @Test func theFrontsListIsTheFullToolsListAsTextAsJSONAndOnATerminal() async throws {
        let w = try await CLIWorld()
        for arguments in [["list"], ["list", "--json"]] {
            let front = try await run([CLIWorld.sonyctl] + arguments, environment: w.environment, seconds: 30)
            let full = try await run([CLIWorld.fullTool] + arguments, environment: w.environment, seconds: 30)
            #expect(front.status == 0 && full.status == 0, "\(arguments): \(front.stderr) \(full.stderr)")
            #expect(front.stdout == full.stdout, "\(arguments)")
            #expect(front.stderr == full.stderr, "\(arguments)")
            #expect(front.stdout.contains(CLIWorld.xm4))
        }
        let front = try await w.sonyctlOnTerminal("list")
        let full = try await w.sonyctlOnTerminal("list", program: CLIWorld.fullTool)
        #expect(front.stdout.contains("\u{1B}[32mconnected"), "\(front.stdout.debugDescription)")
        #expect(front.stdout == full.stdout)
    }

    @Test func theFrontsErrorsAreTheFullToolsToo() async throws {
        let w = try await CLIWorld()
        w.bluez.kill()
        try await w.until("sonyctld to see BlueZ gone") {
            (try? await w.sonyctl("list", "--json"))?.stdout.contains(#""bluez_available":false"#) == true
        }
        for arguments in [["list"], ["list", "--json"]] {
            let front = try await run([CLIWorld.sonyctl] + arguments, environment: w.environment, seconds: 30)
            let full = try await run([CLIWorld.fullTool] + arguments, environment: w.environment, seconds: 30)
            #expect(front.status == full.status && front.stdout == full.stdout && front.stderr == full.stderr, "\(arguments): \(front) \(full)")
        }
        let gone = try await CLIWorld(daemon: false)
        for arguments in [["list"], ["list", "--json"]] {
            let front = try await run([CLIWorld.sonyctl] + arguments, environment: gone.environment, seconds: 30)
            let full = try await run([CLIWorld.fullTool] + arguments, environment: gone.environment, seconds: 30)
            #expect(front.status == 5 && full.status == 5, "\(arguments): \(front.stderr)")
            #expect(front.stdout == full.stdout && front.stderr == full.stderr, "\(arguments): \(front) \(full)")
        }
    }

    @Test func anUnknownVerbReachesTheParserThroughTheFront() async throws {
        for arguments in [["frobnicate"], ["list", "--bogus"], ["--json", "list", "x"]] {
            let result = try await run([CLIWorld.sonyctl] + arguments, environment: ["PATH": "/usr/bin:/bin"], seconds: 20)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("Usage: sonyctl") || result.stderr.contains("USAGE: sonyctl"), "\(arguments): \(result.stderr)")
        }
        let help = try await run([CLIWorld.sonyctl, "--help"], environment: ["PATH": "/usr/bin:/bin"], seconds: 20)
        #expect(help.status == 0 && help.stdout.contains("USAGE: sonyctl <subcommand>"), "\(help.stdout)")
        #expect(help.stdout.contains("127  sonyctl is installed incompletely"), "\(help.stdout)")
        let version = try await run([CLIWorld.sonyctl, "--version"], environment: [:], seconds: 20)
        #expect(version.stdout == "0.1.0\n")
    }

    @Test func theFullToolRunsInTheFrontsProcessAndCtrlCStillCancels() async throws {
        let w = try await CLIWorld()
        let child = try ChildProcess(CLIWorld.sonyctl, ["repair", "WH-1000XM4", "--json"], environment: w.environment, stdout: .pipe, stderr: .null)
        let output = lines(of: try #require(child.stdout))
        try await withDeadline(.seconds(20), "the repair to wait for the device") {
            for await line in output where line.contains("\"waiting-for-device\"") { return }
        }
        // exec, not a child process: the pid we signal is the full tool's.
        let image = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(child.pid)/exe")
        #expect(image == CLIWorld.fullTool, "\(image)")
        let argv0 = try String(contentsOfFile: "/proc/\(child.pid)/cmdline", encoding: .utf8).split(separator: "\0").first
        #expect(argv0.map(String.init) == CLIWorld.sonyctl, "argv[0] is passed on as it came")
        child.signal(SIGINT)
        #expect(ChildProcess.exitCode(await child.wait()) == 130)
        var rest: [String] = []
        for await line in output { rest.append(line) }
        #expect(rest.last?.contains("\"kind\":\"cancelled\"") == true, "\(rest)")
        #expect(try await w.property("RepairState", of: CLIWorld.xm4) == .string("cancelled"))
    }

    @Test func withoutTheFullToolTheFrontSaysSoWithItsOwnExitCodeAndListStillWorks() async throws {
        let w = try await CLIWorld()
        // A hard link, not a copy: a file just written may still be open in a
        // child another test forks meanwhile, and exec refuses it (ETXTBSY).
        let dir = CLIWorld.binaries.appendingPathComponent("front-alone-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let lonely = dir.appendingPathComponent("sonyctl").path
        try FileManager.default.linkItem(atPath: CLIWorld.sonyctl, toPath: lonely)
        let status = try await run([lonely, "status", "WH-1000XM4"], environment: w.environment, seconds: 20)
        #expect(status.status == 127, "\(status.stderr)")
        #expect(status.stderr.contains("installed incompletely") && status.stderr.contains(dir.path + "/sonyctl-cli"), "\(status.stderr)")
        #expect(!status.stderr.contains("Fatal error"))
        let doc = try json(try await run([lonely, "status", "x", "--json"], environment: w.environment, seconds: 20).stdout)
        let error = try #require(doc["error"] as? [String: Any])
        #expect(error["kind"] as? String == "incomplete-install" && error["exit_code"] as? Int == 127)
        let list = try await run([lonely, "list"], environment: w.environment, seconds: 20)
        #expect(list.status == 0 && list.stdout.contains(CLIWorld.xm4), "\(list.stderr)")
    }

    @Test func theFullToolIsLookedForBesideTheFrontThenInLibexec() {
        #expect(Front.candidates(besides: "/usr/bin/sonyctl") == ["/usr/bin/sonyctl-cli", "/usr/bin/../libexec/sonyctl/sonyctl-cli"])
        #expect(Front.candidates(besides: "") == [])
    }

    /// The point of the front: an image without the parser or Foundation,
    /// whose conformance records the runtime would read at start.
    @Test func theFrontLinksNeitherTheParserNorFoundation() throws {
        let image = try Data(contentsOf: URL(fileURLWithPath: CLIWorld.sonyctl))
        for module in ["ArgumentParser", "FoundationEssentials"] {
            #expect(image.range(of: Data(module.utf8)) == nil, "\(module) is linked into the front")
        }
        let full = try Data(contentsOf: URL(fileURLWithPath: CLIWorld.fullTool))
        #expect(full.range(of: Data("ArgumentParser".utf8)) != nil, "the check can see a linked module")
    }

    /// Each start of `sonyctl` and `sonyctl-cli` maps no shared library: one
    /// static executable each, unless built for the sanitizers or a packager
    /// (Package.swift, `staticClient`). sonyctld is the control: it has an
    /// interpreter, so the check can see one.
    @Test(.disabled(if: ["SONYCTL_SANITIZE", "SONYCTL_DYNAMIC_CLIENT"].contains { ProcessInfo.processInfo.environment[$0] != nil }))
    func theClientsTwoExecutablesAreStaticAndLoadNoSharedLibrary() throws {
        #expect(try Self.interpreter(of: CLIWorld.sonyctl) == nil)
        #expect(try Self.interpreter(of: CLIWorld.fullTool) == nil)
        #expect(try Self.interpreter(of: CLIWorld.binaries.appendingPathComponent("sonyctld").path)?.hasPrefix("/lib") == true)
    }

    /// The PT_INTERP of a 64-bit little-endian ELF file: the dynamic loader it asks for.
    static func interpreter(of path: String) throws -> String? {
        let image = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func integer(_ offset: Int, _ size: Int) -> Int {
            (0..<size).reduce(0) { $0 | Int(image[offset + $1]) << (8 * $1) }
        }
        try #require(image.count > 64 && image[0..<6] == [0x7F, 0x45, 0x4C, 0x46, 2, 1], "not an ELF64 LE file")
        let table = integer(0x20, 8), entrySize = integer(0x36, 2), count = integer(0x38, 2)
        for entry in (0..<count).map({ table + $0 * entrySize }) where integer(entry, 4) == 3 {
            let start = integer(entry + 8, 8), size = integer(entry + 32, 8)
            return String(decoding: image[start..<(start + size)].prefix { $0 != 0 }, as: UTF8.self)
        }
        return nil
    }
}
