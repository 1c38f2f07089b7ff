import Locking

/// A counter of events handled, and waits for it to reach a mark.
final class EventProgress: Sendable {
    private let state = Lock<(count: UInt64, waiters: [(mark: UInt64, continuation: CheckedContinuation<Void, Never>)])>((0, []))

    func advance() {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.count += 1
            let count = s.count
            let ready = s.waiters.filter { $0.mark <= count }.map(\.continuation)
            s.waiters.removeAll { $0.mark <= count }
            return ready
        }
        for waiter in ready { waiter.resume() }
    }

    /// Returns once `advance` has been called `mark` times in all.
    func reach(_ mark: UInt64) async {
        await withCheckedContinuation { continuation in
            let reached = state.withLock { s -> Bool in
                if s.count >= mark { return true }
                s.waiters.append((mark, continuation))
                return false
            }
            if reached { continuation.resume() }
        }
    }
}
