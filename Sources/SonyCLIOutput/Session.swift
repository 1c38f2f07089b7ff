package import SonyClient

/// One run of one command: where output goes, and how a failure ends it.
package struct Session: Sendable {
    package let json: Bool
    package let terminal: Terminal

    package init(json: Bool, terminal: Terminal = .current()) {
        self.json = json
        self.terminal = terminal
    }

    /// Runs a command body. A `Failure` or `ClientError` it throws is printed
    /// once, in the form asked for, and becomes the exit status; anything
    /// else (the parser's own errors) goes on up.
    package func execute(_ body: (Session) async throws -> ExitStatus) async throws -> ExitStatus {
        do {
            return try await body(self)
        } catch let failure as Failure {
            report(failure)
            return failure.status
        } catch let error as ClientError {
            let failure = Failure(error)
            report(failure)
            return failure.status
        }
    }

    package func report(_ failure: Failure) {
        if json {
            Console.out(JSON.object(["error": ErrorJSON.object(failure)]).text)
            return
        }
        Console.err("sonyctl: " + terminal.paintError(failure.message))
        for hint in failure.hints { Console.err("  " + hint) }
        for device in failure.candidates {
            Console.err("    \(device.address)  \(device.displayName)" + (device.model.isEmpty || device.model == device.name ? "" : " (\(device.model))"))
        }
    }

    package func client() throws(Failure) -> SonyClient {
        do {
            return try SonyClient.system()
        } catch {
            throw Failure(error)
        }
    }

    /// How every command about one device begins: the bus, then the device.
    package func open(_ query: String, action: String) async throws(Failure) -> (SonyClient, DeviceSnapshot) {
        let client = try client()
        return (client, try await device(query, on: client, action: action))
    }

    /// The device `query` names, as it is now. For a name that matches no
    /// device or several, the failure lists the devices that were meant.
    package func device(_ query: String, on client: SonyClient, action: String) async throws(Failure) -> DeviceSnapshot {
        do {
            return try await client.device(try await client.resolve(query))
        } catch where error.kind == .unknownDevice || error.kind == .ambiguous {
            var failure = Failure(error, action: action)
            let all = (try? await client.devices()) ?? []
            if error.kind == .ambiguous {
                failure.candidates = Candidates.matching(query, in: all)
                failure.hints = ["Name one of them by its address:"]
            } else {
                failure.candidates = all
                failure.hints = all.isEmpty
                    ? ["sonyctld knows no Sony device yet: pair one (desktop settings or bluetoothctl) and it appears in `sonyctl list`."]
                    : ["Name one by its address, name or model; sonyctld knows:"]
            }
            throw failure
        } catch {
            throw Failure(error, action: action)
        }
    }
}

extension Terminal {
    package func paintError(_ text: String) -> String { paint(text, .bold) }
}

/// Which devices an ambiguous name could mean.
package enum Candidates {
    package static func matching(_ query: String, in devices: [DeviceSnapshot]) -> [DeviceSnapshot] {
        let wanted = query.lowercased()
        let matches = devices.filter { [$0.name, $0.model, $0.address].contains { $0.lowercased() == wanted } }
        return matches.isEmpty ? devices : matches
    }
}
