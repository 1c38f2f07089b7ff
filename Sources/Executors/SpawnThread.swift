#if canImport(Glibc)
import Glibc
#endif

/// Starts a detached thread named `name` that runs `body`, with every signal
/// but a fault's blocked (`SignalMask`): a process signal then goes to the thread that waits for it
/// (sonyctld's `sigwait`), never to an executor thread in the middle of a job.
/// Threads are named (15 bytes at most) for `top -H`, perf and the idle benchmark.
/// Exits the process (EX_OSERR) if the thread cannot be made: nothing
/// asynchronous would ever run, and a daemon should rather not start.
public func spawnThread(named name: String, _ body: @escaping @Sendable () -> Void) {
    final class Start: Sendable {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
    // The new thread inherits the mask in force when it is created.
    var previous = SignalMask.blockProcessSignals()
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    let start = Unmanaged.passRetained(Start(name: name, body: body))
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { argument in
        guard let argument else { return nil }
        let start = Unmanaged<Start>.fromOpaque(argument).takeRetainedValue()
        // pthread_setname_np is hidden behind _GNU_SOURCE from Swift.
        if let comm = fopen("/proc/thread-self/comm", "w") {
            fputs(String(start.name.utf8.prefix(15)) ?? "executor", comm)
            fclose(comm)
        }
        start.body()
        return nil
    }, start.toOpaque())
    guard rc == 0 else {
        let message = "\(name): cannot start a thread: \(String(cString: strerror(rc)))\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        exit(71)
    }
    pthread_detach(thread)
}
