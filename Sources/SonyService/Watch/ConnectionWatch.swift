import BlueZ
import DBus
import Executors
import Logging
import SonyCore
import Locking

/// The daemon's watch: BlueZ's view of each Sony device turned into history events,
/// patterns with advice, and the watch properties (`Health`, `Advice`, `LastConnected`,
/// `LastDisconnected`, `DisconnectsLastHour`).
///
/// It compares what BlueZ says now with what it has recorded (`DeviceWatch.isConnected`),
/// not with the mirror's previous value, so a restart, a resync after bluetoothd came
/// back, or a repeated signal never records a connect or a drop twice. At rest it holds
/// no timer but the one-shot wake for the moment a drop leaves the last hour.
final class ConnectionWatch: Sendable {
    let policy: WatchPolicy
    let advisor: Advisor
    let store: HistoryStore
    let clock: any WallClock
    let logger: Logger
    private let state = Lock<[String: Tracked]>([:])
    private let output = Lock<Output?>(nil)

    /// What the watch tells the daemon.
    struct Output: Sendable {
        /// New values of the watch properties of one device.
        var publish: @Sendable (_ address: String, _ properties: [MemberName: DBusValue]) -> Void
        /// A pattern was found: the daemon signals `DisconnectPattern`.
        var pattern: @Sendable (_ address: String, _ finding: PatternFinding, _ advice: Advice) -> Void
        /// The after-flapping policy asks for a reconnect.
        var reconnect: @Sendable (_ address: String) async -> Bool
        /// Whether BlueZ's latest word on the device (the mirror, which runs ahead of the
        /// updates the watch has been given) is still "connected, no audio profile".
        var audioStillMissing: @Sendable (_ address: String) -> Bool = { _ in true }
    }

    private struct Tracked {
        var watch: DeviceWatch
        var subject: Advisor.Subject?
        /// `Device1.Disconnected` arrives just before `Connected` turns false.
        var pendingReason: (reason: DropReason, message: String, at: Microseconds)?
        /// Forget and repair runs now taking this device's link down on purpose.
        var deliberate = 0
        /// The latest finding of each kind, with the advice it was given.
        var findings: [PatternKind: (finding: PatternFinding, advice: Advice)] = [:]
        var wake: Task<Void, Never>?
        /// The moment `wake` is set for (wall clock), while it has not fired.
        var wakeAt: Microseconds?
        var audioTimer: Task<Void, Never>?
        var reconnect: Task<Void, Never>?
    }

    /// How long a `Disconnected` reason waits for its `Connected: false`.
    static let reasonLifetime: Microseconds = 5 * .second
    /// The messages of recorded drops that were not counted: the history says why, and a
    /// replay after a restart must not count them either.
    static let downWhileStopped = "went down while sonyctld was not running"
    static let bluezLeftMessage = "bluetoothd left the bus"

    init(policy: WatchPolicy, advisor: Advisor, store: HistoryStore, clock: any WallClock, logger: Logger) {
        self.policy = policy
        self.advisor = advisor
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    func connect(_ output: Output) {
        self.output.withLock { $0 = output }
    }

    /// Ends every timer; the daemon is stopping.
    func stop() {
        let tasks = state.withLock { all in
            all.values.flatMap { [$0.wake, $0.audioTimer, $0.reconnect].compactMap { $0 } }
        }
        tasks.forEach { $0.cancel() }
    }

    // MARK: - Restoring

    /// Replays recent history so that windows, escalation and "connected" survive a
    /// restart. Findings during replay were signalled the first time; they are not again.
    func restore(_ events: [HistoryEvent]) {
        state.withLock { all in
            for event in events {
                var tracked = all[event.address] ?? Tracked(watch: DeviceWatch(policy: policy))
                for finding in tracked.watch.observe(replaying: event) {
                    // Replayed findings were advised the first time; the advice text is recomputed when asked.
                    tracked.findings[finding.kind] = (finding, .none)
                }
                all[event.address] = tracked
            }
        }
    }

    // MARK: - Following BlueZ

    /// BlueZ's facts about a Sony device changed (`new: nil`: BlueZ no longer has it).
    /// `old` is what the mirror had before, `nil` the first time it is seen.
    ///
    /// What happened is decided under one lock, so two updates racing (the first sync
    /// and a signal) can never both record the same connect.
    func update(_ subject: Advisor.Subject, old: DeviceInfo?, new: DeviceInfo?, hostAudioReady: Bool) async {
        let now = clock.now()
        let address = subject.address
        let (recorded, findings, audioTimer) = state.withLock { all -> ([HistoryEvent], [PatternFinding], Bool?) in
            var tracked = all[address] ?? Tracked(watch: DeviceWatch(policy: policy))
            tracked.subject = subject
            defer { all[address] = tracked }
            let device = new ?? old
            func event(_ kind: HistoryKind) -> HistoryEvent {
                var e = HistoryEvent(time: now, address: address, kind: kind)
                e.adapter = device?.adapter.map(BlueZPaths.name(of:))
                e.rssi = device?.rssi.map(Int.init)
                e.battery = (new?.battery).map(Int.init) ?? tracked.watch.battery
                return e
            }
            var events: [HistoryEvent] = []
            var findings: [PatternFinding] = []
            // true: start the audio-profile timer; false: stop it; nil: leave it.
            var audioTimer: Bool?
            if let percent = new?.battery.map(Int.init), percent != tracked.watch.battery {
                events.append(event(.battery))
                findings += tracked.watch.observe(.battery(at: now, percent: percent))
            }
            let connected = new?.connected ?? false
            if connected && !tracked.watch.isConnected {
                events.append(event(.connected))
                findings += tracked.watch.observe(.connected(at: now))
                audioTimer = true
            } else if !connected && tracked.watch.isConnected {
                var drop = event(.disconnected)
                let deliberate = tracked.deliberate > 0 || new == nil
                findings += tracked.watch.observe(Self.drop(&tracked, &drop, at: now, firstSight: old == nil && new != nil, deliberate: deliberate))
                events.append(drop)
                audioTimer = false
            }
            if let new, new.audioProfileUp, audioTimer == true || old?.audioProfileUp != true {
                findings += tracked.watch.observe(.servicesResolved(at: now, audio: true))
                audioTimer = false
            } else if let new, new.connected, new.servicesResolved, old?.servicesResolved != true {
                findings += tracked.watch.observe(.servicesResolved(at: now, audio: false))
            }
            if let old, let new, new.paired, !old.paired {
                events.append(event(.paired))
            }
            return (events, findings, audioTimer)
        }
        switch audioTimer {
        case true?: startAudioTimer(address, subject, hostAudioReady: hostAudioReady)
        case false?: cancelAudioTimer(address)
        case nil: break
        }
        await conclude(recorded, findings, of: subject, hostAudioReady: hostAudioReady)
    }

    /// Fills in what is known of a drop (the reason BlueZ sent just before, or ours) and
    /// returns what the watch is to observe.
    private static func drop(
        _ tracked: inout Tracked, _ event: inout HistoryEvent, at now: Microseconds, firstSight: Bool, deliberate: Bool
    ) -> WatchObservation {
        var reason = DropReason.unknown
        if let pending = tracked.pendingReason, now >= pending.at, now - pending.at <= reasonLifetime {
            reason = pending.reason
            event.message = pending.message.isEmpty ? nil : pending.message
        } else if deliberate {
            // Without BlueZ ≥ 5.83 no reason comes; ours is known.
            reason = .local
        }
        tracked.pendingReason = nil
        if firstSight {
            // Connected when sonyctld last looked, down now: it dropped while we were not
            // running, at a time nobody knows, so it is recorded but not counted.
            event.message = downWhileStopped
        }
        event.reason = reason.rawValue
        let last = tracked.watch.lastConnected
        event.sessionLength = last > 0 && now >= last && !firstSight ? now - last : nil
        return .disconnected(at: now, reason: reason, battery: tracked.watch.battery, deliberate: deliberate || firstSight)
    }

    /// `Device1.Disconnected(reason, message)`, remembered for the drop that follows.
    func disconnectReason(_ address: String, reason: DropReason, message: String) {
        let now = clock.now()
        state.withLock { all in
            all[address]?.pendingReason = (reason, message, now)
        }
    }

    /// bluetoothd left the bus: the links it held are gone, not dropped by the headsets.
    func bluezLeft() async {
        let now = clock.now()
        let connected = state.withLock { all in all.filter { $0.value.watch.isConnected }.map(\.key) }
        var events: [HistoryEvent] = []
        for address in connected.sorted() {
            _ = observe(address, .disconnected(at: now, reason: .unknown, battery: nil, deliberate: true))
            var e = HistoryEvent(time: now, address: address, kind: .disconnected)
            e.reason = DropReason.unknown.rawValue
            e.message = Self.bluezLeftMessage
            events.append(e)
        }
        await append(events)
        connected.forEach(publish)
    }

    /// logind said the system resumed from suspend.
    func resumed() {
        let now = clock.now()
        let addresses = state.withLock { Array($0.keys) }
        for address in addresses { _ = observe(address, .resumed(at: now)) }
    }

    /// Runs `body` with drops of this device counted as this computer's doing.
    func deliberately<T: Sendable>(_ address: String, _ body: () async throws -> T) async rethrows -> T {
        state.withLock { all in
            var tracked = all[address] ?? Tracked(watch: DeviceWatch(policy: policy))
            tracked.deliberate += 1
            all[address] = tracked
        }
        defer { state.withLock { $0[address]?.deliberate -= 1 } }
        return try await body()
    }

    /// Records a forget or repair event; a successful repair also starts the device afresh.
    func record(_ event: HistoryEvent) async {
        if event.kind == .repairSucceeded { _ = observe(event.address, .repaired(at: event.time)) }
        await append([event])
        publish(event.address)
    }

    // MARK: - Reading

    /// The watch properties of a device now.
    func properties(_ address: String) -> [MemberName: DBusValue] {
        let now = clock.now()
        return state.withLock { all in
            guard let tracked = all[address] else { return [:] }
            let health = tracked.watch.health(at: now)
            return [
                "Health": .string(health.rawValue),
                "Advice": .string(advice(tracked, health).text),
                "LastConnected": .uint64(tracked.watch.lastConnected),
                "LastDisconnected": .uint64(tracked.watch.lastDisconnected),
                "DisconnectsLastHour": .uint32(UInt32(clamping: tracked.watch.disconnects(within: DeviceWatch.hour, of: now))),
            ]
        }
    }

    /// What `Diagnose` needs from the watch.
    func diagnosis(_ address: String) -> (drops: Int, health: Health, finding: PatternFinding?) {
        let now = clock.now()
        return state.withLock { all in
            guard let tracked = all[address] else { return (0, .unknown, nil) }
            let health = tracked.watch.health(at: now)
            let recent = tracked.findings.values.map(\.finding).filter { now >= $0.at && now - $0.at <= policy.escalationWindow }
            let matching = Self.kind(for: health).flatMap { kind in recent.first { $0.kind == kind } }
            return (tracked.watch.disconnects(within: DeviceWatch.hour, of: now), health, matching ?? recent.max { $0.at < $1.at })
        }
    }

    // MARK: - Inside

    private func observe(_ address: String, _ observation: WatchObservation) -> [PatternFinding] {
        state.withLock { all in
            var tracked = all[address] ?? Tracked(watch: DeviceWatch(policy: policy))
            let findings = tracked.watch.observe(observation)
            all[address] = tracked
            return findings
        }
    }

    /// What new findings mean: advice kept, logged, recorded, published, then signalled
    /// (in that order, so a script woken by `DisconnectPattern` finds the properties and
    /// the history already saying so), and the after-flapping policy started.
    private func conclude(_ recorded: [HistoryEvent], _ findings: [PatternFinding], of subject: Advisor.Subject, hostAudioReady: Bool) async {
        var events = recorded
        var advised: [(PatternFinding, Advice)] = []
        for finding in findings {
            let advice = advisor.advice(for: finding, about: subject, hostAudioReady: hostAudioReady)
            state.withLock { all in all[subject.address]?.findings[finding.kind] = (finding, advice) }
            logger.notice("\(finding.kind.rawValue) pattern", metadata: [
                "device": "\(subject.address)", "count": "\(finding.count)", "window": "\(finding.windowSeconds)s",
                "step": "\(advice.step.rawValue)",
            ])
            var e = HistoryEvent(time: finding.at, address: subject.address, kind: .pattern)
            e.pattern = finding.kind.rawValue
            e.count = finding.count
            e.windowSeconds = finding.windowSeconds
            e.step = advice.step.rawValue
            e.advice = advice.text
            events.append(e)
            advised.append((finding, advice))
        }
        await append(events)
        publish(subject.address)
        for (finding, advice) in advised {
            output.withLock { $0 }?.pattern(subject.address, finding, advice)
            if finding.kind == .flapping, case .reconnect(let attempts, let delay) = policy.afterFlapping {
                startReconnecting(subject.address, attempts: attempts, delay: delay)
            }
        }
    }

    /// The pattern a health comes from.
    static func kind(for health: Health) -> PatternKind? {
        switch health {
        case .flapping: .flapping
        case .unstable: .shortSessions
        case .staleBond: .staleBond
        case .noAudioProfile: .noAudioProfile
        case .lowBattery: .lowBattery
        case .ok, .unknown: nil
        }
    }

    /// The advice for the health now: the one its pattern was given, recomputed after a
    /// restart; a low battery without a drop yet is still worth a word.
    private func advice(_ tracked: Tracked, _ health: Health) -> Advice {
        guard let kind = Self.kind(for: health), let subject = tracked.subject else { return .none }
        if let (finding, advice) = tracked.findings[kind] {
            return advice == .none ? advisor.advice(for: finding, about: subject) : advice
        }
        return health == .lowBattery ? Advice(step: .charge, text: advisor.how(.charge, subject)) : .none
    }

    private func append(_ events: [HistoryEvent]) async {
        guard !events.isEmpty else { return }
        do {
            try await store.append(events)
        } catch {
            // The history must never take the daemon down; the log says what was lost.
            logger.error("could not record \(events.count) history event(s): \(error)")
        }
    }

    /// Publishes the watch properties, and sleeps until the next moment they change by
    /// time alone (a drop leaving the hour or the flapping window).
    private func publish(_ address: String) {
        output.withLock { $0 }?.publish(address, properties(address))
        let now = clock.now()
        state.withLock { all in
            guard var tracked = all[address] else { return }
            let next = tracked.watch.nextChange(after: now)
            // Most changes leave the next moment where it was (the oldest drop's): the wake
            // set for it stands, rather than a new timer for every signal of a flapping link.
            if let next, next == tracked.wakeAt, tracked.wake != nil { return }
            tracked.wake?.cancel()
            tracked.wakeAt = next
            tracked.wake = next.map { next in
                Task { [weak self] in
                    guard (try? await TimerClock().sleep(for: .microseconds(Int64(clamping: next - now)))) != nil else { return }
                    self?.state.withLock { $0[address]?.wakeAt = nil }
                    self?.publish(address)
                }
            }
            all[address] = tracked
        }
    }

    private func startAudioTimer(_ address: String, _ subject: Advisor.Subject, hostAudioReady: Bool) {
        let timeout = policy.audioProfileTimeout
        state.withLock { all in
            all[address]?.audioTimer?.cancel()
            all[address]?.audioTimer = Task { [weak self] in
                guard (try? await TimerClock().sleep(for: .microseconds(Int64(clamping: timeout)))) != nil, let self else { return }
                // The update that brings the stream (or the drop) can be queued behind a
                // slow history write when the timer fires: BlueZ already said it, so the
                // headset is not called profile-less for the daemon's own lag.
                guard self.output.withLock({ $0 })?.audioStillMissing(address) ?? true else { return }
                let findings = self.observe(address, .audioProfileMissing(at: self.clock.now()))
                await self.conclude([], findings, of: subject, hostAudioReady: hostAudioReady)
            }
        }
    }

    private func cancelAudioTimer(_ address: String) {
        state.withLock { all in
            all[address]?.audioTimer?.cancel()
            all[address]?.audioTimer = nil
        }
    }

    /// The optional after-flapping policy: bring the link back up with a doubling pause,
    /// giving up after `attempts` or once it is up by itself.
    private func startReconnecting(_ address: String, attempts: Int, delay: Microseconds) {
        state.withLock { all in
            guard all[address]?.reconnect == nil else { return }
            all[address]?.reconnect = Task { [weak self] in
                var pause = delay
                for _ in 0..<attempts {
                    guard (try? await TimerClock().sleep(for: .microseconds(Int64(clamping: pause)))) != nil, let self else { return }
                    if self.state.withLock({ $0[address]?.watch.isConnected ?? true }) { break }
                    if await self.output.withLock({ $0 })?.reconnect(address) == true { break }
                    pause *= 2
                }
                self?.state.withLock { $0[address]?.reconnect = nil }
            }
        }
    }
}

extension DeviceWatch {
    /// Replays a recorded event: the same observation it was, as far as history says.
    mutating func observe(replaying event: HistoryEvent) -> [PatternFinding] {
        let reason = event.reason.flatMap(DropReason.init(rawValue:)) ?? .unknown
        switch event.kind {
        case .connected:
            return observe(.connected(at: event.time))
        case .disconnected:
            let uncounted = event.message == ConnectionWatch.downWhileStopped || event.message == ConnectionWatch.bluezLeftMessage
            return observe(.disconnected(at: event.time, reason: reason, battery: event.battery, deliberate: uncounted))
        case .battery:
            return event.battery.map { observe(.battery(at: event.time, percent: $0)) } ?? []
        case .repairSucceeded:
            return observe(.repaired(at: event.time))
        case .paired, .forgotten, .repairStarted, .repairFailed, .repairCancelled, .pattern:
            return []
        }
    }
}
