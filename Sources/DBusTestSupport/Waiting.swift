public import DBus

/// Waits until `name` has an owner, or fails at the deadline.
public func waitForOwner(of name: BusName, on connection: Connection, within limit: Duration) async throws {
    try await withDeadline(limit, "\(name) to appear on the bus") {
        for try await owner in try await connection.nameOwnerChanges(name) where owner != nil { return }
        throw TestSupportError("the connection closed while waiting for \(name)")
    }
}

/// The first element of `sequence` that satisfies `predicate`, or a failure
/// at the deadline: tests wait for events, never for fixed sleeps.
public func first<S: AsyncSequence & Sendable>(
    _ sequence: S, within limit: Duration, _ what: String = "an event",
    where predicate: @escaping @Sendable (S.Element) -> Bool = { _ in true }
) async throws -> S.Element where S.Element: Sendable {
    try await withDeadline(limit, what) {
        for try await element in sequence where predicate(element) { return element }
        throw TestSupportError("the stream ended while waiting for \(what)")
    }
}

/// Runs `body`, failing with a clear message if it has not finished in time.
public func withDeadline<T: Sendable>(
    _ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TestSupportError("timed out after \(limit) waiting for \(what)")
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw TestSupportError("no result for \(what)") }
        return result
    }
}
