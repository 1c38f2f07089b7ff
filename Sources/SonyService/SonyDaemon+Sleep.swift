import DBus
import Logging

extension SonyDaemon {
    static let logind: BusName = "org.freedesktop.login1"

    /// Follows logind's `PrepareForSleep(false)`, sent on resume, so that drops right
    /// after a resume are told apart. Without logind on the bus nothing is ever sent, and
    /// a signal from anyone but logind's current owner never arrives.
    ///
    /// A handler on the connection's thread: the resume is noted before any BlueZ
    /// signal that came after it is even dispatched, so no drop can overtake it.
    func followSleep() async throws {
        let rule = MatchRule(
            sender: Self.logind, path: "/org/freedesktop/login1", interface: "org.freedesktop.login1.Manager",
            member: "PrepareForSleep")
        let subscription = try await connection.onSignals(matching: rule) { [weak self] signal in
            guard let self, let starting = try? signal.decode(Bool.self), !starting else { return }
            self.logger.info("the system resumed from suspend")
            self.watch.resumed()
        }
        defer { subscription.cancel() }
        // Ending now would end the service group: wait for what ends the daemon.
        await connection.waitUntilDisconnected()
    }
}
