import Foundation

/// What a finished child process said.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs a real client (`busctl`, `gdbus`, `bluetoothctl` …) to completion.
///
/// It runs under `timeout` so a hung client fails the test instead of hanging
/// it, and on a thread of its own so the test's executor stays free.
public func run(_ arguments: [String], environment: [String: String]? = nil, seconds: Int = 20) async throws -> CommandResult {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
                process.arguments = ["\(seconds)"] + arguments
                if let environment { process.environment = environment }
                let out = Pipe()
                let err = Pipe()
                process.standardOutput = out
                process.standardError = err
                try process.run()
                let stdout = out.fileHandleForReading.readDataToEndOfFile()
                let stderr = err.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: CommandResult(
                    status: process.terminationStatus,
                    stdout: String(decoding: stdout, as: UTF8.self),
                    stderr: String(decoding: stderr, as: UTF8.self)))
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.start()
    }
}
