public import DBus

extension SonyClient {
    /// The daemon's announcements from now on: of one device, or of all of
    /// them and of the daemon coming and going.
    ///
    /// The match rules are on the bus when this returns, so nothing sent
    /// after it is missed. A signal of the wrong shape ends the stream with a
    /// `badReply` error; the bus going away ends it with `busUnavailable`.
    public func events(device: ObjectPath? = nil) async throws(ClientError) -> AsyncThrowingStream<DaemonEvent, any Error> {
        let rule = device.map { MatchRule(sender: Daemon1.bus, path: $0) }
            ?? MatchRule(sender: Daemon1.bus, pathNamespace: Daemon1.manager)
        let signals: AsyncThrowingStream<Message, any Error>
        let owners: AsyncThrowingStream<BusName?, any Error>?
        do {
            signals = try await connection.signals(matching: rule)
            owners = device == nil ? try await connection.nameOwnerChanges(Daemon1.bus) : nil
        } catch {
            throw ClientError.from(error)
        }
        let (stream, continuation) = AsyncThrowingStream<DaemonEvent, any Error>.makeStream()
        let forward = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        for try await signal in signals {
                            if let event = try DaemonEvent(signal) { continuation.yield(event) }
                        }
                        continuation.finish()
                    } catch {
                        continuation.finish(throwing: ClientError.from(error))
                    }
                }
                if let owners {
                    group.addTask {
                        // The first value is the owner now; only changes are events.
                        var known = false
                        do {
                            for try await owner in owners {
                                if known { continuation.yield(.daemonPresent(owner != nil)) }
                                known = true
                            }
                        } catch {
                            // The bus went away; the signal stream says so.
                        }
                    }
                }
                _ = await group.next()
                group.cancelAll()
            }
        }
        continuation.onTermination = { _ in forward.cancel() }
        return stream
    }
}
