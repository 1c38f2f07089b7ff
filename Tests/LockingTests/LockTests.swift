import Locking
import Synchronization
import Testing

/// Counts its deinits: a value destroyed twice would count two (and, under
/// AddressSanitizer, be reported as a use after free).
private final class Tracked: Sendable {
    static let deinits = Atomic<Int>(0)
    deinit { Self.deinits.add(1, ordering: .relaxed) }
}

@Suite(.serialized) struct LockTests {
    /// The value is released once, with the lock: ManagedBuffer destroys its
    /// header itself, and a deinit that destroyed it too released it twice,
    /// freeing an object its owner still held.
    @Test func theValueIsReleasedExactlyOnce() {
        let before = Tracked.deinits.load(ordering: .relaxed)
        let kept = Tracked()
        do {
            let lock = Lock([kept, Tracked()])
            lock.withLock { $0.append(Tracked()) }
            #expect(lock.withLock { $0.count } == 3)
        }
        #expect(Tracked.deinits.load(ordering: .relaxed) - before == 2, "only the two the lock alone held")
        withExtendedLifetime(kept) {}
    }

    /// Copies share one lock and one value, as the classes holding them expect.
    @Test func aCopyIsTheSameLock() {
        let lock = Lock(0)
        let copy = lock
        copy.withLock { $0 += 1 }
        #expect(lock.withLock { $0 } == 1)
    }

    /// Many threads, one counter: nothing lost (and, under ThreadSanitizer, no race).
    @Test func threadsTakeTurns() async {
        let lock = Lock(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<10_000 { lock.withLock { $0 += 1 } } }
            }
        }
        #expect(lock.withLock { $0 } == 80_000)
    }

    @Test func anErrorLeavesTheLockFree() {
        struct Refused: Error {}
        let lock = Lock(1)
        #expect(throws: Refused.self) { try lock.withLock { (_: inout Int) throws(Refused) in throw Refused() } }
        #expect(lock.withLock { $0 } == 1)
    }
}
