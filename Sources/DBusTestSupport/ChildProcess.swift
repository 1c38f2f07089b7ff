import Dispatch
import Foundation
import Locking

/// A child process started with `posix_spawn` and reaped by a thread of its own.
///
/// Not Foundation's `Process`: on Linux its `waitUntilExit` spins a run loop
/// at full CPU, and it was seen here never to notice a SIGKILLed child (a
/// zombie, and a test run hung for twenty minutes on two busy cores). A
/// blocking `waitpid` on a dedicated thread cannot miss an exit.
public final class ChildProcess: Sendable {
    public let pid: Int32
    /// The read ends of the pipes asked for, owned by the caller.
    public let stdout: Int32?
    public let stderr: Int32?
    /// The write end of the child's stdin, when a pipe was asked for.
    public let stdin: Int32?
    private let exit = ExitBox()

    /// Shared with the reaper thread, which must not keep the process object alive.
    private final class ExitBox: Sendable {
        struct State {
            var status: Int32?
            var waiters: [CheckedContinuation<Int32, Never>] = []
        }
        let state = Lock(State())
        let exited = DispatchSemaphore(value: 0)

        func record(_ status: Int32) {
            let waiters = state.withLock { state in
                state.status = status
                defer { state.waiters = [] }
                return state.waiters
            }
            exited.signal()
            for waiter in waiters { waiter.resume(returning: status) }
        }
    }

    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        case inherit
        case null
        case pipe
        /// A descriptor of the caller's, e.g. a pipe whose identity the child must know.
        case descriptor(Int32)
    }

    /// Starts `path` with `arguments` (not including argv[0]).
    public init(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil,
        stdin stdinMode: Stream = .null, stdout stdoutMode: Stream = .inherit, stderr stderrMode: Stream = .inherit
    ) throws {
        // pipe() and FD_CLOEXEC are two steps: no other child may be spawned
        // between them, or it would inherit (and hold open) our pipe ends.
        spawnLock.lock()
        defer { spawnLock.unlock() }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32?] = [nil, nil, nil]
        var childEnds: [Int32] = []
        defer { childEnds.forEach { _ = close($0) } }
        for (fd, mode) in [(Int32(0), stdinMode), (1, stdoutMode), (2, stderrMode)] {
            switch mode {
            case .inherit:
                continue
            case .null:
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
            case .descriptor(let given):
                posix_spawn_file_actions_adddup2(&actions, given, fd)
            case .pipe:
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { throw TestSupportError("pipe failed: errno \(errno)") }
                // Other children started meanwhile must not inherit these ends.
                for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
                // The child reads stdin's read end and writes the others' write ends.
                let (child, parent) = fd == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
                posix_spawn_file_actions_adddup2(&actions, child, fd)
                childEnds.append(child)
                parentEnds[Int(fd)] = parent
            }
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = Self.withSanitizerOptions(environment ?? ProcessInfo.processInfo.environment)
            .map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }
        // A child starts with the spawning thread's signal mask, and the threads of
        // the test's pool block SIGINT and SIGTERM: a daemon or CLI under test must
        // get the signals a test sends it, so every signal starts unblocked and default.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let rc = posix_spawn(&child, path, &actions, &attributes, argv, env)
        guard rc == 0 else {
            parentEnds.compactMap { $0 }.forEach { _ = close($0) }
            throw TestSupportError("cannot start \(path): errno \(rc)")
        }
        pid = child
        stdin = parentEnds[0]
        stdout = parentEnds[1]
        stderr = parentEnds[2]
        let reaper = Thread { [exit, child] in
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
            exit.record(status)
        }
        reaper.start()
    }

    deinit {
        if !hasExited { _ = Glibc.kill(pid, SIGKILL) }
        [stdin, stdout, stderr].compactMap { $0 }.forEach { _ = close($0) }
    }

    public var hasExited: Bool { exit.state.withLock { $0.status != nil } }

    public func signal(_ signal: Int32) {
        // Never signal a pid that may already belong to someone else.
        guard !hasExited else { return }
        _ = Glibc.kill(pid, signal)
    }

    /// The raw wait status, once the child has exited.
    public func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            let status = exit.state.withLock { state -> Int32? in
                if state.status == nil { state.waiters.append(continuation) }
                return state.status
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    /// Blocks the calling thread until the child has exited: for `deinit`s
    /// and other places that cannot await.
    public func waitBlocking() {
        exit.exited.wait()
        exit.exited.signal()
    }

    /// Kills the child without warning, as a crash would, and waits until it is gone.
    public func kill() {
        signal(SIGKILL)
        waitBlocking()
    }
}

private let spawnLock = NSLock()

extension ChildProcess {
    /// The sanitizer settings of this process (scripts/sanitize.sh), which an
    /// environment of the test's own making would otherwise drop: an instrumented
    /// sonyctl or sonyctld must write its reports where the run counts them, and
    /// with the options the run chose (no LeakSanitizer, whose false reports end
    /// a process with exit code 1).
    static func withSanitizerOptions(_ environment: [String: String]) -> [String: String] {
        var environment = environment
        let mine = ProcessInfo.processInfo.environment
        for name in ["ASAN_OPTIONS", "TSAN_OPTIONS", "SWIFT_BACKTRACE"] where environment[name] == nil {
            environment[name] = mine[name]
        }
        return environment
    }
}

extension ChildProcess {
    /// The exit code of a wait status, or 128 + the signal that ended it, as a shell reports.
    public static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Reads `fd` to its end.
    public static func readAll(_ fd: Int32) -> [UInt8] {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                data += chunk[0..<n]
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return data
            }
        }
    }
}
