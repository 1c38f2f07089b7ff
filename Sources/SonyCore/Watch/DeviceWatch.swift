/// The connection life of one device, and the patterns in it.
///
/// Pure: it is fed observations with their times and asked about a moment, so tests
/// drive it with any clock. Rules that matter to users:
/// - A drop is a link that was up going down. Each counts once however quickly the link
///   comes back, and a second "down" while already down (bluetoothd retrying, a late
///   signal) is no drop. Drops this computer caused (forget, repair, a user's disconnect,
///   suspend) are not the headset's trouble and are not counted.
/// - Each pattern fires once per episode: it is re-armed only when its condition has
///   cleared (the window fell below the threshold, a long session, a charge, a repair).
/// - Times may arrive out of order or after the wall clock jumped. Drops are kept in time
///   order; a drop later than "now" counts as now, and one more than a window ahead of
///   now (the clock was set back) can no longer be placed and is dropped.
public struct DeviceWatch: Sendable, Equatable {
    public let policy: WatchPolicy

    public private(set) var lastConnected: Microseconds = 0
    public private(set) var lastDisconnected: Microseconds = 0
    public private(set) var battery: Int?
    public private(set) var isConnected = false

    /// Counted drops, oldest first, kept as long as any window can still see them.
    private var drops: [Drop] = []
    private var connectedSince: Microseconds?
    private var shortRun = 0
    private var lastResume: Microseconds?
    private var staleBond = false
    private var missingAudio = false
    private var disarmed: Set<PatternKind> = []
    /// When each kind last fired, for escalation.
    private var fired: [PatternKind: [Microseconds]] = [:]
    private var observedAnything = false

    struct Drop: Sendable, Equatable {
        let at: Microseconds
        let lowBattery: Bool
    }

    /// The window `DisconnectsLastHour` counts over.
    public static let hour: Microseconds = .hour

    public init(policy: WatchPolicy = WatchPolicy()) {
        self.policy = policy
    }

    // MARK: - Feeding

    /// Takes in one observation and returns the patterns it completes, if any.
    public mutating func observe(_ observation: WatchObservation) -> [PatternFinding] {
        observedAnything = true
        switch observation {
        case .connected(let at):
            guard !isConnected else { return [] }
            isConnected = true
            connectedSince = at
            lastConnected = max(lastConnected, at)
            return []
        case .disconnected(let at, let reason, let battery, let deliberate):
            return disconnected(at: at, reason: reason, battery: battery ?? self.battery, deliberate: deliberate)
        case .servicesResolved(_, let audio):
            if audio {
                // Keys matched and audio is up: whatever was wrong with the bond is not now.
                missingAudio = false
                staleBond = false
                disarmed.subtract([.noAudioProfile, .staleBond])
            }
            return []
        case .audioProfileMissing(let at):
            guard isConnected else { return [] }
            missingAudio = true
            return fire(.noAudioProfile, count: 1, window: policy.audioProfileTimeout, at: at)
        case .battery(_, let percent):
            battery = percent
            if percent > policy.lowBatteryPercent { disarmed.remove(.lowBattery) }
            return []
        case .authenticationFailed(let at):
            staleBond = true
            return fire(.staleBond, count: 1, window: 0, at: at)
        case .resumed(let at):
            lastResume = at
            disarmed.remove(.afterResume)
            return []
        case .repaired:
            staleBond = false
            missingAudio = false
            shortRun = 0
            disarmed = []
            return []
        }
    }

    private mutating func disconnected(
        at: Microseconds, reason: DropReason, battery: Int?, deliberate: Bool
    ) -> [PatternFinding] {
        guard isConnected else { return [] }
        isConnected = false
        missingAudio = false
        let session = connectedSince.map { at >= $0 ? at - $0 : 0 }
        connectedSince = nil
        lastDisconnected = max(lastDisconnected, at)
        var findings: [PatternFinding] = []
        if reason == .authentication {
            staleBond = true
            findings += fire(.staleBond, count: 1, window: 0, at: at)
        }
        if deliberate || reason.isHostInitiated { return findings }

        let low = battery.map { $0 <= policy.lowBatteryPercent } ?? false
        insert(Drop(at: at, lowBattery: low))
        forget(before: at)

        let inWindow = drops(within: policy.flappingWindow, of: at)
        if inWindow.count >= policy.flappingDrops {
            findings += fire(.flapping, count: inWindow.count, window: policy.flappingWindow, at: at)
        } else {
            disarmed.remove(.flapping)
        }

        if let session, session < policy.shortSession {
            shortRun += 1
            if shortRun >= policy.shortSessionsInARow {
                findings += fire(.shortSessions, count: shortRun, window: policy.shortSession, at: at)
            }
        } else {
            shortRun = 0
            disarmed.remove(.shortSessions)
        }

        if low {
            findings += fire(.lowBattery, count: inWindow.filter(\.lowBattery).count, window: policy.flappingWindow, at: at)
        }

        if let resume = lastResume, at >= resume, at - resume <= policy.resumeWindow {
            findings += fire(.afterResume, count: 1, window: policy.resumeWindow, at: at)
        }
        return findings
    }

    /// Fires `kind` unless it already fired in this episode.
    private mutating func fire(_ kind: PatternKind, count: Int, window: Microseconds, at: Microseconds) -> [PatternFinding] {
        guard !disarmed.contains(kind) else { return [] }
        disarmed.insert(kind)
        let earlier = (fired[kind] ?? []).filter { $0 <= at && at - $0 <= policy.escalationWindow }
        fired[kind] = earlier + [at]
        return [PatternFinding(kind: kind, count: count, windowSeconds: Int(window / .second), repeats: earlier.count, at: at)]
    }

    // MARK: - Asking

    /// Counted drops in the `window` up to `now` (drops "after" now count as now).
    public func disconnects(within window: Microseconds, of now: Microseconds) -> Int {
        drops(within: window, of: now).count
    }

    public func health(at now: Microseconds) -> Health {
        if staleBond { return .staleBond }
        if missingAudio && isConnected { return .noAudioProfile }
        if disconnects(within: policy.flappingWindow, of: now) >= policy.flappingDrops { return .flapping }
        if shortRun >= policy.shortSessionsInARow { return .unstable }
        if let battery, battery <= policy.lowBatteryPercent { return .lowBattery }
        return observedAnything ? .ok : .unknown
    }

    /// The next moment after `now` at which the health or the last hour's drop count
    /// changes by time alone (a drop leaving a window); `nil` when nothing will. The
    /// daemon sleeps until then instead of polling.
    public func nextChange(after now: Microseconds) -> Microseconds? {
        drops.flatMap { [$0.at + policy.flappingWindow, $0.at + Self.hour] }.filter { $0 > now }.min()
    }

    // MARK: - Drops in time order

    private func drops(within window: Microseconds, of now: Microseconds) -> [Drop] {
        let start = now >= window ? now - window : 0
        return drops.filter { $0.at >= start }
    }

    private mutating func insert(_ drop: Drop) {
        let index = drops.lastIndex { $0.at <= drop.at }.map { $0 + 1 } ?? 0
        drops.insert(drop, at: index)
    }

    /// Lets go of drops no window can see any more, and of drops so far ahead of `now`
    /// that the clock must have been set back.
    private mutating func forget(before now: Microseconds) {
        let keep = max(policy.flappingWindow, Self.hour)
        drops.removeAll { drop in
            (now > drop.at && now - drop.at > keep) || (drop.at > now && drop.at - now > policy.flappingWindow)
        }
    }
}
