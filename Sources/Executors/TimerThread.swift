internal import HeapModule

/// Sleeps that a cancellation takes back: one thread waits for the earliest
/// deadline still wanted, and a cancelled sleep is gone at once.
///
/// `Task.sleep` hands the executor a job for the deadline and cannot take it
/// back: a repair's 120 s limit, cancelled because the headset came in 5 s,
/// still wakes the process 115 s later. A daemon that sets and cancels such
/// limits all day needs them gone when they are no longer wanted.
final class TimerThread: @unchecked Sendable {
    static let shared = TimerThread(name: "timers")

    private let name: String

    private enum Sleeper {
        case starting
        case waiting(UnsafeContinuation<Void, any Error>)
        case cancelled
    }

    private struct Deadline: Comparable {
        let time: UInt64
        let id: UInt64
        static func < (a: Deadline, b: Deadline) -> Bool { (a.time, a.id) < (b.time, b.id) }
    }

    private let changed = MonotonicCondition()
    private var sleepers: [UInt64: Sleeper] = [:]
    /// May hold deadlines of sleeps since cancelled; they are dropped when they
    /// come to the top, or all at once when they outnumber the live ones.
    private var deadlines = Heap<Deadline>()
    private var lastID: UInt64 = 0
    private var started = false

    init(name: String) {
        self.name = name
    }

    /// Returns at `deadline` (CLOCK_MONOTONIC nanoseconds); throws
    /// `CancellationError` as soon as the task is cancelled.
    func sleep(until deadline: UInt64) async throws {
        changed.lock()
        lastID &+= 1
        let id = lastID
        sleepers[id] = .starting
        if !started {
            started = true
            spawnThread(named: name) { [self] in serve() }
        }
        changed.unlock()
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                changed.lock()
                guard case .starting? = sleepers[id] else {
                    // Cancelled before it could start.
                    sleepers[id] = nil
                    changed.unlock()
                    continuation.resume(throwing: CancellationError())
                    return
                }
                sleepers[id] = .waiting(continuation)
                let sooner = deadlines.min.map { deadline < $0.time } ?? true
                deadlines.insert(Deadline(time: deadline, id: id))
                if sooner { changed.signal() }
                changed.unlock()
            }
        } onCancel: {
            cancel(id)
        }
    }

    private func cancel(_ id: UInt64) {
        changed.lock()
        var resumed: UnsafeContinuation<Void, any Error>?
        switch sleepers[id] {
        case .starting?:
            sleepers[id] = .cancelled
        case .waiting(let continuation)?:
            sleepers[id] = nil
            resumed = continuation
            // The thread waits for this very deadline: let it find the next one.
            if deadlines.min?.id == id { changed.signal() }
            if deadlines.count > 64 && deadlines.count > 2 * sleepers.count { dropCancelled() }
        case .cancelled?, nil:
            break
        }
        changed.unlock()
        resumed?.resume(throwing: CancellationError())
    }

    private func dropCancelled() {
        deadlines = Heap(deadlines.unordered.filter { sleepers[$0.id] != nil })
    }

    private func serve() {
        changed.lock()
        while true {
            var due: [UnsafeContinuation<Void, any Error>] = []
            let now = MonotonicTime.now()
            while let next = deadlines.min {
                guard case .waiting(let continuation)? = sleepers[next.id] else {
                    deadlines.removeMin()
                    continue
                }
                guard next.time <= now else { break }
                deadlines.removeMin()
                sleepers[next.id] = nil
                due.append(continuation)
            }
            if !due.isEmpty {
                changed.unlock()
                for continuation in due { continuation.resume() }
                changed.lock()
            } else {
                changed.wait(until: deadlines.min?.time)
            }
        }
    }
}
