import HeapModule

/// What the loop shares with callers: replies awaited, subscriptions, names
/// followed. Guarded by `EventLoop.state`; no libdbus call is made while a
/// reader of this state holds the lock, except the send that must be atomic
/// with registering its reply.
struct LoopState {
    struct PendingCall {
        let continuation: CheckedContinuation<Message, any Error>
        let deadline: UInt64
    }

    struct Deadline: Comparable {
        let time: UInt64
        let serial: UInt32
        static func < (a: Deadline, b: Deadline) -> Bool { a.time < b.time }
    }

    struct Subscription {
        /// Where matching signals go: a stream some task iterates, or a handler
        /// called right on the loop thread, which saves a thread hop per signal.
        enum Sink {
            case stream(AsyncThrowingStream<Message, any Error>.Continuation)
            case handler(@Sendable (Message) -> Void, ended: @Sendable (DBusError) -> Void)

            func deliver(_ message: Message) {
                switch self {
                case .stream(let continuation): continuation.yield(message)
                case .handler(let handler, _): handler(message)
                }
            }

            func end(_ error: DBusError) {
                switch self {
                case .stream(let continuation): continuation.finish(throwing: error)
                case .handler(_, let ended): ended(error)
                }
            }
        }

        let rule: MatchRule
        let sink: Sink
    }

    /// A well-known name whose owner we follow through `NameOwnerChanged`.
    struct TrackedName {
        var owner: BusName?
        var known = false
        /// Arrival number of the last `NameOwnerChanged` applied, so an older
        /// `GetNameOwner` answer never overwrites a newer change.
        var lastChange: UInt64 = 0
        var references = 0
        var watchers: [UInt64: AsyncThrowingStream<BusName?, any Error>.Continuation] = [:]
    }

    var pending: [UInt32: PendingCall] = [:]
    var deadlines = Heap<Deadline>()
    /// When the loop will next wake by itself; a call with an earlier deadline
    /// must wake it. `.max` while it sleeps with no deadline at all.
    var scheduledWake: UInt64 = .max
    var subscriptions: [UInt64: Subscription] = [:]
    var trackedNames: [BusName: TrackedName] = [:]
    var nextID: UInt64 = 1
    /// Set once the connection is closed or lost; nothing may use libdbus after.
    var closed = false
    var closeReason: DBusError?
    var disconnectWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]

    mutating func takeID() -> UInt64 {
        defer { nextID += 1 }
        return nextID
    }

    mutating func register(_ serial: UInt32, _ continuation: CheckedContinuation<Message, any Error>, deadline: UInt64) {
        pending[serial] = PendingCall(continuation: continuation, deadline: deadline)
        deadlines.insert(Deadline(time: deadline, serial: serial))
    }

    /// The earliest deadline of a call still waiting, dropping finished ones.
    mutating func nextDeadline() -> UInt64 {
        while let top = deadlines.min {
            if let call = pending[top.serial], call.deadline == top.time { return top.time }
            _ = deadlines.removeMin()
        }
        return .max
    }

    /// Removes and returns every call whose deadline has passed.
    mutating func expire(now: UInt64) -> [PendingCall] {
        var expired: [PendingCall] = []
        while let top = deadlines.min, top.time <= now {
            _ = deadlines.removeMin()
            if let call = pending[top.serial], call.deadline == top.time {
                pending[top.serial] = nil
                expired.append(call)
            }
        }
        return expired
    }
}
