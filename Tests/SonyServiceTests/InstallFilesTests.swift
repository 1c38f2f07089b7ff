import DBusTestSupport
import Foundation
import Testing

/// The unit file as systemd reads it: valid, and sandboxed to "OK" or better.
@Suite(.timeLimit(.minutes(1)))
struct InstallFilesTests {
    /// The unit with ExecStart pointed at the sonyctld built beside the tests,
    /// since systemd-analyze checks that the binary exists.
    static func unitForThisBuild() throws -> String {
        let unit = try String(contentsOfFile: SonyBlueZ.root.appendingPathComponent("systemd/sonyctld.service").path, encoding: .utf8)
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sonyctld").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sonyctl-unit-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("sonyctld.service").path
        try unit.replacingOccurrences(of: "/usr/libexec/sonyctld", with: binary).write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    @Test func systemdAcceptsTheUnitAndRatesItsSandbox() async throws {
        let unit = try Self.unitForThisBuild()
        let verify = try await run(["systemd-analyze", "verify", unit])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stderr.isEmpty, "warnings: \(verify.stderr)")
        let security = try await run(["systemd-analyze", "security", "--offline=true", unit])
        let verdict = security.stdout.split(separator: "\n").last { $0.contains("Overall exposure level") }.map(String.init) ?? ""
        #expect(verdict.contains("SAFE") || verdict.contains("OK"), "\(verdict)")
    }
}
