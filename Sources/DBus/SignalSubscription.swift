import Locking

/// A handler-based signal subscription; cancelling removes its match rule.
/// Dropping it without cancelling keeps it, like a stream someone iterates.
public final class SignalSubscription: Sendable {
    private let undo: Lock<(@Sendable () -> Void)?>

    init(cancel: @escaping @Sendable () -> Void) { undo = Lock(cancel) }

    public func cancel() {
        let undo = self.undo.withLock { u -> (@Sendable () -> Void)? in
            defer { u = nil }
            return u
        }
        undo?()
    }
}
