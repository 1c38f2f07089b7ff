import Dispatch
import Synchronization

/// `Task.sleep(for:)`, except that a cancelled sleep gives its timer back at once.
///
/// The concurrency runtime's sleep on Linux queues a wake-up job on a dispatch timer for
/// the deadline, and cancelling the task resumes it early but leaves that job and timer
/// queued until the deadline comes. The watch sets a wake up to an hour ahead and moves
/// it on every change of a device, so under flapping it held about 500 bytes for each
/// move for the rest of the hour: the soak's RSS climbed 0.4 MB a minute (heaptrack:
/// thousands of live `Task._sleep` jobs and `dispatch_after` sources). Here the timer is
/// ours, and a cancel cancels it.
func sleepCancellably(for duration: Duration) async throws {
    let sleep = CancellableSleep()
    try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            sleep.start(duration, continuation)
        }
    } onCancel: {
        sleep.cancel()
    }
}

private let timers = DispatchQueue(label: "sonyctld.timers")

/// libdispatch's sources are thread-safe; the Swift protocol is only not marked Sendable.
private struct Timer: @unchecked Sendable {
    let source: any DispatchSourceTimer
}

private final class CancellableSleep: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Void, any Error>?
        var timer: Timer?
        var cancelled = false
    }

    private let state = Mutex(State())

    func start(_ duration: Duration, _ continuation: CheckedContinuation<Void, any Error>) {
        let parts = duration.components
        let nanoseconds = max(0, parts.seconds) &* 1_000_000_000 &+ max(0, parts.attoseconds / 1_000_000_000)
        let timer = Timer(source: DispatchSource.makeTimerSource(queue: timers))
        timer.source.schedule(deadline: .now() + .nanoseconds(Int(clamping: nanoseconds)), leeway: .milliseconds(1))
        timer.source.setEventHandler { [weak self] in self?.finish(nil) }
        let alreadyCancelled = state.withLock { s -> Bool in
            guard !s.cancelled else { return true }
            s.continuation = continuation
            s.timer = timer
            return false
        }
        // A source is activated even when it is not needed: releasing an inactive one traps.
        timer.source.resume()
        if alreadyCancelled {
            timer.source.cancel()
            continuation.resume(throwing: CancellationError())
        }
    }

    func cancel() {
        finish(CancellationError())
    }

    private func finish(_ error: (any Error)?) {
        let (continuation, timer) = state.withLock { s in
            s.cancelled = s.cancelled || error != nil
            defer {
                s.continuation = nil
                s.timer = nil
            }
            return (s.continuation, s.timer)
        }
        timer?.source.cancel()
        if let error { continuation?.resume(throwing: error) } else { continuation?.resume() }
    }
}
