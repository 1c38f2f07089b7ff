import SonyCore
import Testing

/// The detectors with an injected clock: every time below is a made-up µs value.
@Suite struct DeviceWatchTests {
    static let t0: Microseconds = 1_700_000_000 * .second

    /// Connects at `at` and drops `session` later, returning the findings of the drop.
    @discardableResult
    static func session(
        _ watch: inout DeviceWatch, at: Microseconds, lasting session: Microseconds = 10 * .minute,
        reason: DropReason = .timeout, battery: Int? = nil, deliberate: Bool = false
    ) -> [PatternFinding] {
        _ = watch.observe(.connected(at: at))
        return watch.observe(.disconnected(at: at + session, reason: reason, battery: battery, deliberate: deliberate))
    }

    /// Drops at the given offsets (each after a long session), all findings in order.
    static func drops(_ watch: inout DeviceWatch, at offsets: [Microseconds]) -> [PatternFinding] {
        offsets.flatMap { offset in
            _ = watch.observe(.connected(at: t0 + offset - 2 * .minute))
            return watch.observe(.disconnected(at: t0 + offset, reason: .remote, battery: nil, deliberate: false))
        }
    }

    @Test func threeDropsInTenMinutesAreFlappingTwoAreNot() {
        var watch = DeviceWatch()
        let findings = Self.drops(&watch, at: [0, 4 * .minute, 10 * .minute])
        #expect(findings.map(\.kind) == [.flapping], "the third drop, exactly 10 minutes after the first, completes it")
        #expect(findings.first?.count == 3 && findings.first?.windowSeconds == 600)
        #expect(watch.health(at: Self.t0 + 10 * .minute) == .flapping)

        var spread = DeviceWatch()
        #expect(Self.drops(&spread, at: [0, 5 * .minute, 10 * .minute + 1]).isEmpty, "one µs too late for the window")
        #expect(spread.health(at: Self.t0 + 10 * .minute + 1) == .ok)
    }

    @Test func aFlappingEpisodeFiresOnceAndAgainOnlyAfterItCleared() {
        var watch = DeviceWatch()
        let first = Self.drops(&watch, at: [0, 1 * .minute, 2 * .minute, 3 * .minute, 4 * .minute])
        #expect(first.map(\.kind) == [.flapping], "drops 4 and 5 are the same episode")
        // Quiet for an hour: the window empties; the next burst is a new episode, one step up.
        let second = Self.drops(&watch, at: [70 * .minute, 71 * .minute, 72 * .minute])
        #expect(second.map(\.kind) == [.flapping])
        #expect(second.first?.repeats == 1, "the second episode within the escalation window")
    }

    @Test func aQuickReconnectIsStillADropAndARepeatedDownIsNot() {
        var watch = DeviceWatch()
        _ = watch.observe(.connected(at: Self.t0))
        _ = watch.observe(.disconnected(at: Self.t0 + .second, reason: .timeout, battery: nil, deliberate: false))
        // bluetoothd retrying, or a late signal: down while down is nothing.
        _ = watch.observe(.disconnected(at: Self.t0 + 2 * .second, reason: .timeout, battery: nil, deliberate: false))
        _ = watch.observe(.connected(at: Self.t0 + 3 * .second))
        _ = watch.observe(.connected(at: Self.t0 + 4 * .second))
        _ = watch.observe(.disconnected(at: Self.t0 + 5 * .second, reason: .remote, battery: nil, deliberate: false))
        #expect(watch.disconnects(within: .hour, of: Self.t0 + 5 * .second) == 2)
        #expect(watch.lastConnected == Self.t0 + 3 * .second)
        #expect(watch.lastDisconnected == Self.t0 + 5 * .second)
    }

    @Test func dropsThisComputerCausedAreNotCounted() {
        var watch = DeviceWatch()
        Self.session(&watch, at: Self.t0, reason: .local)
        Self.session(&watch, at: Self.t0 + .minute, reason: .suspend)
        Self.session(&watch, at: Self.t0 + 2 * .minute, reason: .unknown, deliberate: true)
        #expect(watch.disconnects(within: .hour, of: Self.t0 + 30 * .minute) == 0)
        #expect(watch.lastDisconnected > 0, "still recorded as the last disconnect")
    }

    @Test func shortSessionsInARowMakeItUnstableAndALongOneClearsThat() {
        var watch = DeviceWatch()
        var findings: [PatternFinding] = []
        for i in 0..<3 {
            findings += Self.session(&watch, at: Self.t0 + Microseconds(i) * 20 * .minute, lasting: 59 * .second)
        }
        #expect(findings.map(\.kind) == [.shortSessions])
        #expect(findings.first?.count == 3 && findings.first?.windowSeconds == 60)
        #expect(watch.health(at: Self.t0 + 2 * .hour) == .unstable)
        Self.session(&watch, at: Self.t0 + 3 * .hour, lasting: 60 * .second)
        #expect(watch.health(at: Self.t0 + 5 * .hour) == .ok, "exactly a minute is not short")
    }

    @Test func aDropAtLowBatteryIsItsOwnPatternUntilCharged() {
        var watch = DeviceWatch()
        _ = watch.observe(.battery(at: Self.t0, percent: 15))
        let findings = Self.session(&watch, at: Self.t0)
        #expect(findings.map(\.kind) == [.lowBattery], "at the threshold counts")
        #expect(Self.session(&watch, at: Self.t0 + .hour).isEmpty, "the same episode")
        #expect(watch.health(at: Self.t0 + 2 * .hour) == .lowBattery)
        _ = watch.observe(.battery(at: Self.t0 + 3 * .hour, percent: 80))
        #expect(watch.health(at: Self.t0 + 3 * .hour) == .ok)
        _ = watch.observe(.battery(at: Self.t0 + 4 * .hour, percent: 10))
        #expect(Self.session(&watch, at: Self.t0 + 4 * .hour).map(\.kind) == [.lowBattery], "re-armed by the charge")
    }

    @Test func anAuthenticationDropIsAStaleBondUntilAudioComesUp() {
        var watch = DeviceWatch()
        let findings = Self.session(&watch, at: Self.t0, lasting: 2 * .second, reason: .authentication)
        #expect(findings.map(\.kind) == [.staleBond])
        #expect(watch.health(at: Self.t0 + .minute) == .staleBond)
        _ = watch.observe(.connected(at: Self.t0 + 2 * .minute))
        _ = watch.observe(.servicesResolved(at: Self.t0 + 2 * .minute, audio: true))
        #expect(watch.health(at: Self.t0 + 3 * .minute) == .ok)
    }

    @Test func authenticationFailuresOfOurOwnAreAStaleBondAndARepairClearsIt() {
        var watch = DeviceWatch()
        #expect(watch.observe(.authenticationFailed(at: Self.t0)).map(\.kind) == [.staleBond])
        #expect(watch.observe(.authenticationFailed(at: Self.t0 + 1)).isEmpty, "one episode")
        _ = watch.observe(.repaired(at: Self.t0 + .minute))
        #expect(watch.health(at: Self.t0 + .minute) == .ok)
    }

    @Test func connectedWithoutAudioIsNoAudioProfileWhileConnected() {
        var watch = DeviceWatch()
        _ = watch.observe(.connected(at: Self.t0))
        _ = watch.observe(.servicesResolved(at: Self.t0 + .second, audio: false))
        #expect(watch.observe(.audioProfileMissing(at: Self.t0 + 20 * .second)).map(\.kind) == [.noAudioProfile])
        #expect(watch.health(at: Self.t0 + 30 * .second) == .noAudioProfile)
        _ = watch.observe(.disconnected(at: Self.t0 + .minute, reason: .local, battery: nil, deliberate: true))
        #expect(watch.health(at: Self.t0 + .minute) == .ok)
        #expect(watch.observe(.audioProfileMissing(at: Self.t0 + 2 * .minute)).isEmpty, "not connected: nothing to say")
    }

    @Test func aDropRightAfterResumeIsAfterResumeOncePerResume() {
        var watch = DeviceWatch()
        _ = watch.observe(.resumed(at: Self.t0))
        let within = Self.session(&watch, at: Self.t0 + 10 * .second, lasting: 110 * .second)
        #expect(within.map(\.kind) == [.afterResume], "exactly at the 2-minute edge")
        #expect(Self.session(&watch, at: Self.t0 + 2 * .minute, lasting: 10 * .second).isEmpty)
        _ = watch.observe(.resumed(at: Self.t0 + .hour))
        #expect(Self.session(&watch, at: Self.t0 + .hour, lasting: 2 * .minute + 1).isEmpty, "one µs past the window")
    }

    @Test func dropsArrivingOutOfOrderCountInTheirPlace() {
        var watch = DeviceWatch()
        // The third drop reported first, then the two before it.
        var findings = Self.drops(&watch, at: [8 * .minute])
        findings += Self.drops(&watch, at: [2 * .minute])
        #expect(findings.isEmpty)
        findings += Self.drops(&watch, at: [5 * .minute])
        #expect(findings.map(\.kind) == [.flapping])
        #expect(watch.disconnects(within: 10 * .minute, of: Self.t0 + 8 * .minute) == 3)
        #expect(watch.lastDisconnected == Self.t0 + 8 * .minute, "the newest, not the last reported")
    }

    @Test func aClockJumpForwardEmptiesTheWindowsAndOneBackwardDropsWhatCannotBePlaced() {
        var watch = DeviceWatch()
        _ = Self.drops(&watch, at: [0, .minute])
        // Forward a day: the old drops are history, not the last hour.
        #expect(watch.disconnects(within: .hour, of: Self.t0 + .day) == 0)
        #expect(Self.drops(&watch, at: [.day]).isEmpty, "two old drops and a new one are no flapping")

        // Back a day: the drops "in the future" cannot be placed and no longer count.
        var back = DeviceWatch()
        _ = Self.drops(&back, at: [.day, .day + .minute])
        #expect(Self.drops(&back, at: [0]).isEmpty)
        #expect(back.disconnects(within: .hour, of: Self.t0) == 1)

        // Back a little (NTP): recent drops count as now.
        var nudge = DeviceWatch()
        _ = Self.drops(&nudge, at: [10 * .second, 20 * .second])
        #expect(Self.drops(&nudge, at: [0]).map(\.kind) == [.flapping])
    }

    @Test func nextChangeIsWhenADropLeavesAWindow() {
        var watch = DeviceWatch()
        #expect(watch.nextChange(after: Self.t0) == nil, "nothing to wake for")
        _ = Self.drops(&watch, at: [0])
        #expect(watch.nextChange(after: Self.t0) == Self.t0 + 10 * .minute)
        #expect(watch.nextChange(after: Self.t0 + 10 * .minute) == Self.t0 + .hour)
        #expect(watch.nextChange(after: Self.t0 + .hour) == nil)
        #expect(watch.disconnects(within: .hour, of: Self.t0 + .hour) == 1, "exactly an hour later still counts")
        #expect(watch.disconnects(within: .hour, of: Self.t0 + .hour + 1) == 0)
    }

    @Test func healthIsUnknownUntilSomethingIsSeen() {
        var watch = DeviceWatch()
        #expect(watch.health(at: Self.t0) == .unknown)
        _ = watch.observe(.connected(at: Self.t0))
        #expect(watch.health(at: Self.t0) == .ok)
    }

    @Test func thresholdsComeFromThePolicy() {
        var watch = DeviceWatch(policy: WatchPolicy(flappingDrops: 2, flappingWindow: .minute))
        #expect(Self.drops(&watch, at: [0, 30 * .second]).map(\.kind) == [.flapping])
        var strict = DeviceWatch(policy: WatchPolicy(flappingDrops: 5))
        #expect(Self.drops(&strict, at: [0, 1, 2, 3].map { $0 * .minute }).isEmpty)
    }
}
