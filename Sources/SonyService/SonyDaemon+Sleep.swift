import DBus
import Logging

extension SonyDaemon {
    static let logind: BusName = "org.freedesktop.login1"

    /// Follows logind's `PrepareForSleep(false)`, sent on resume, so that drops right
    /// after a resume are told apart. Without logind on the bus nothing is ever sent, and
    /// a signal from anyone but logind's current owner never arrives.
    func followSleep() async throws {
        let rule = MatchRule(
            sender: Self.logind, path: "/org/freedesktop/login1", interface: "org.freedesktop.login1.Manager",
            member: "PrepareForSleep")
        do {
            for try await signal in try await connection.signals(matching: rule) {
                guard let starting = try? signal.decode(Bool.self) else { continue }
                if !starting {
                    logger.info("the system resumed from suspend")
                    watch.resumed()
                }
            }
        } catch {
            // The bus went away; the task that waits for that ends the daemon.
        }
        // Ending now would end the service group: wait for what ends the daemon.
        await connection.waitUntilDisconnected()
    }
}
