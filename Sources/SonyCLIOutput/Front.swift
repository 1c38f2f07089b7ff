#if canImport(Glibc)
import Glibc
#endif

/// What the `sonyctl` executable runs: a small front that answers `list` and
/// `list --json` itself and hands every other command line, unchanged, to
/// the full tool (`sonyctl-cli`, linked with swift-argument-parser).
///
/// The hand-over is `execv`: the same process, so its id, signals (Ctrl-C
/// during `repair` is the full tool's to handle), standard input, output
/// and terminal, the environment and the exit status are all what running
/// the full tool directly gives. argv is passed as it came, argv[0] too.
package enum Front {
    /// The full tool's file name.
    package static let fullTool = "sonyctl-cli"

    package static func main() -> Never {
        Interrupts.unblock()
        let arguments = CommandLine.arguments
        if let json = FastPath.listJSON(Array(arguments.dropFirst())) { exit(FastPath.list(json: json).rawValue) }
        var tried: [String] = []
        for path in candidates(besides: executable()) {
            execv(path, CommandLine.unsafeArgv)
            // Only reached when the exec failed.
            let reason = errno
            if reason != ENOENT && reason != ENOTDIR {
                tried.append("\(path): \(String(cString: strerror(reason)))")
                break
            }
            tried.append("\(path): not found")
        }
        let failure = Failure(
            status: .incomplete, kind: "incomplete-install",
            message: "this sonyctl is installed incompletely: its full tool (\(fullTool)) cannot be run",
            hints: tried.map { "tried " + $0 } + ["Reinstall sonyctl (`make install`); `sonyctl list` works without it."])
        Session(json: arguments.contains("--json")).report(failure)
        exit(failure.status.rawValue)
    }

    /// Where the full tool is, for a front at `executable`: beside it in a
    /// build folder, or in `libexec/sonyctl/` of the prefix it is installed
    /// in (`$(PREFIX)/bin/sonyctl` → `$(PREFIX)/libexec/sonyctl/sonyctl-cli`).
    package static func candidates(besides executable: String) -> [String] {
        guard let slash = executable.lastIndex(of: "/") else { return [] }
        let dir = String(executable[..<slash])
        return [dir + "/" + fullTool, dir + "/../libexec/sonyctl/" + fullTool]
    }

    /// This executable's own path, symbolic links resolved (never argv[0],
    /// which a caller chooses).
    static func executable() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return "" }
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
