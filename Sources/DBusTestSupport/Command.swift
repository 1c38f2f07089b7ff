import Foundation

/// What a finished child process said.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs a real client (`busctl`, `gdbus`, `bluetoothctl` …) to completion.
///
/// It runs under `timeout` so a hung client fails the test instead of hanging
/// it, and its output is read on threads of their own so the test's executor
/// stays free.
public func run(_ arguments: [String], environment: [String: String]? = nil, seconds: Int = 20) async throws -> CommandResult {
    // -k: a client that ignores the TERM is killed a little later, never left behind.
    let child = try ChildProcess("/usr/bin/timeout", ["-k", "5", "\(seconds)"] + arguments, environment: environment, stdout: .pipe, stderr: .pipe)
    async let stdout = readToEnd(child.stdout)
    async let stderr = readToEnd(child.stderr)
    let (out, err) = await (stdout, stderr)
    let status = await child.wait()
    return CommandResult(
        status: ChildProcess.exitCode(status), stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
}

/// Reads a pipe to its end on a thread of its own: a blocking `read` must not
/// sit on one of the cooperative pool's two threads.
public func readToEnd(_ fd: Int32?) async -> [UInt8] {
    guard let fd else { return [] }
    return await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: ChildProcess.readAll(fd)) }.start()
    }
}
