extension BlueZClient {
    /// Returns the first non-nil answer of `check`, asked now and after every
    /// change of the mirror. Ends with `CancellationError` when the task is cancelled.
    ///
    /// Subscribing before the first look means no change can slip in between.
    public func first<T: Sendable>(_ check: @Sendable () -> T?) async throws(CancellationError) -> T {
        let events = events()
        if let found = check() { return found }
        for await _ in events {
            if let found = check() { return found }
        }
        throw CancellationError()
    }
}
