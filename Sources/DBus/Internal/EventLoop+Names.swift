import Locking

extension EventLoop {
    /// The rule that makes the bus tell us when `name` changes owner.
    static func ownerRule(_ name: BusName) -> MatchRule {
        MatchRule(sender: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "NameOwnerChanged", arg0: name.rawValue)
    }

    /// Starts following `name`'s owner, or counts one more user of it.
    ///
    /// The match rule goes in before `GetNameOwner`, so no change can fall in
    /// between; the answer is applied only if no newer change has arrived.
    func track(_ name: BusName) async throws {
        let first = state.withLock { s -> Bool in
            if s.trackedNames[name] != nil {
                s.trackedNames[name]?.references += 1
                return false
            }
            s.trackedNames[name] = LoopState.TrackedName(references: 1)
            return true
        }
        guard first else { return }
        do {
            _ = try await callBus("AddMatch", [.string(Self.ownerRule(name).text)])
            // An answer counts only if no change arrived after it: changes that
            // arrived before it are already reflected in it.
            let owner: BusName?
            let isCurrent: (LoopState.TrackedName) -> Bool
            do {
                let reply = try await callBus("GetNameOwner", [.string(name.rawValue)])
                owner = BusName(unchecked: try reply.decode(String.self))
                isCurrent = { $0.lastChange < reply.sequence }
            } catch let error as DBusError where error.name == .nameHasNoOwner {
                owner = nil
                isCurrent = { !$0.known }
            }
            state.withLock { s in
                guard var tracked = s.trackedNames[name], isCurrent(tracked) else { return }
                let changed = !tracked.known || tracked.owner != owner
                tracked.owner = owner
                tracked.known = true
                s.trackedNames[name] = tracked
                if changed { for w in tracked.watchers.values { w.yield(owner) } }
            }
        } catch {
            untrack(name)
            throw error
        }
    }

    func untrack(_ name: BusName) {
        let last = state.withLock { s -> Bool in
            guard var tracked = s.trackedNames[name] else { return false }
            tracked.references -= 1
            if tracked.references > 0 {
                s.trackedNames[name] = tracked
                return false
            }
            s.trackedNames[name] = nil
            for watcher in tracked.watchers.values { watcher.finish() }
            return true
        }
        if last { removeMatch(Self.ownerRule(name)) }
    }

    /// Fire-and-forget `RemoveMatch`: nothing useful can be done if it fails.
    func removeMatch(_ rule: MatchRule) {
        var message = Message.methodCall(
            destination: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "RemoveMatch",
            body: [.string(rule.text)])
        message.noReplyExpected = true
        try? send(message)
    }
}
