import Foundation
@testable import SonyService
import Testing

/// The watch's sleeps (the wake for a drop leaving the hour, the audio-profile timer, the
/// reconnect pause) are cancelled and set again as a device changes: a cancelled one ends
/// at once. That it also holds nothing until its old deadline was shown with heaptrack
/// (480,000 cancelled hour-long sleeps, 363 KB live at exit, none of it theirs; the
/// runtime's Task.sleep keeps ~500 bytes each), which no assertion here can read: RSS
/// moves with malloc's arenas. The soak's RSS bar is the regression check.
@Suite struct CancellableSleepTests {
    @Test func aSleepEndsOnTime() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        try await sleepCancellably(for: .milliseconds(50))
        #expect(clock.now - start >= .milliseconds(49))
        #expect(clock.now - start < .seconds(30))
    }

    @Test func aCancelledSleepEndsAtOnceWithCancellationError() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let sleeper = Task { try await sleepCancellably(for: .seconds(3600)) }
        try await Task.sleep(for: .milliseconds(20))
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await sleepCancellably(for: .seconds(3600))
        }
        await #expect(throws: CancellationError.self) { try await early.value }
        // Not the hour: a loaded test machine may take a few seconds to run the task at all.
        #expect(clock.now - start < .seconds(60))
    }
}
