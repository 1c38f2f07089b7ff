/// The host-side diagnostic flow of the reference articles, over what the daemon knows:
/// each check in order, then the mildest step that should help.
///
/// The step comes from the first check that failed (a host problem first: nothing on the
/// headset helps while bluetoothd or the audio server is missing), else from the first
/// warning, else there is nothing to do.
public struct Diagnosis: Sendable, Equatable {
    public let checks: [Check]
    public let advice: Advice

    public struct Check: Sendable, Equatable {
        public let id: String
        public let result: Result
        public let detail: String
        /// What this check alone would have the user do.
        let step: AdviceStep
        let text: String

        init(_ id: String, _ result: Result, _ detail: String, step: AdviceStep = .none, text: String = "") {
            self.id = id
            self.result = result
            self.detail = detail
            self.step = step
            self.text = text
        }
    }

    public enum Result: String, Sendable, Equatable {
        case pass, warn, fail, unknown, skip
    }

    /// Everything the flow looks at, gathered by the daemon.
    public struct Facts: Sendable, Equatable {
        public var bluezAvailable = false
        public var adapterName: String?
        public var adapterPowered = false
        /// The roles the adapter advertises: an audio server registers A2DP source and HFP AG.
        public var adapterUUIDs: [String] = []
        public var present = false
        public var paired = false
        public var trusted = false
        public var connected = false
        public var servicesResolved = false
        public var uuids: [String] = []
        /// An A2DP stream (a `MediaTransport1`) is set up.
        public var audioStream = false
        public var battery: Int?
        public var disconnectsLastHour = 0
        public var health: Health = .unknown
        /// The device's latest pattern within the escalation window, if any.
        public var lastFinding: PatternFinding?

        public init() {}
    }

    static let a2dpSource = "0000110a-0000-1000-8000-00805f9b34fb"
    static let a2dpSink = "0000110b-0000-1000-8000-00805f9b34fb"
    static let hfpGateway = "0000111f-0000-1000-8000-00805f9b34fb"

    public init(_ facts: Facts, about subject: Advisor.Subject, advisor: Advisor, policy: WatchPolicy) {
        let checks = Self.checks(facts, subject, advisor, policy)
        self.checks = checks
        let decisive = checks.first { $0.result == .fail } ?? checks.first { $0.result == .warn }
        if let decisive {
            advice = Advice(step: decisive.step, text: decisive.text)
        } else {
            advice = Advice(step: .none, text: "Nothing to do: \(subject.name) is paired, connected and playing through its audio profile.")
        }
    }

    private static func checks(_ f: Facts, _ subject: Advisor.Subject, _ advisor: Advisor, _ policy: WatchPolicy) -> [Check] {
        var checks: [Check] = []
        func skipRest(_ ids: [String], because reason: String) -> [Check] {
            checks + ids.map { Check($0, .skip, reason) }
        }
        let deviceIDs = ["present", "paired", "trusted", "connected", "services-resolved", "audio-profile", "battery", "recent-drops", "bond"]
        let hostFix = AdviceStep.hostFix

        guard f.bluezAvailable else {
            checks.append(Check("bluez", .fail, "bluetoothd is not on the system bus.", step: hostFix,
                                text: "Start BlueZ: `systemctl start bluetooth`."))
            return skipRest(["adapter", "audio-server"] + deviceIDs, because: "needs bluetoothd")
        }
        checks.append(Check("bluez", .pass, "bluetoothd is running."))

        guard let adapter = f.adapterName else {
            checks.append(Check("adapter", .fail, "BlueZ has no Bluetooth adapter.", step: hostFix,
                                text: "Connect a Bluetooth adapter, or unblock it: `rfkill unblock bluetooth`."))
            return skipRest(["audio-server"] + deviceIDs, because: "needs an adapter")
        }
        guard f.adapterPowered else {
            checks.append(Check("adapter", .fail, "\(adapter) is powered off.", step: hostFix,
                                text: "Turn Bluetooth on: `bluetoothctl power on`."))
            return skipRest(["audio-server"] + deviceIDs, because: "needs a powered adapter")
        }
        checks.append(Check("adapter", .pass, "\(adapter) is powered."))

        let roles = Set(f.adapterUUIDs.map { $0.lowercased() })
        let a2dp = roles.contains(a2dpSource)
        let hfp = roles.contains(hfpGateway)
        switch (a2dp, hfp) {
        case (true, true):
            checks.append(Check("audio-server", .pass, "An audio server has registered A2DP and HFP with BlueZ."))
        case (false, false):
            checks.append(Check("audio-server", .fail, "\(adapter) advertises no A2DP or HFP role: no audio server has registered with BlueZ.",
                                step: hostFix, text: advisor.how(.hostFix, subject)))
        default:
            let missing = a2dp ? "HFP (calls, microphone)" : "A2DP (music)"
            checks.append(Check("audio-server", .warn, "The audio server registered no \(missing) role with BlueZ.",
                                step: hostFix, text: "Enable the audio server's Bluetooth \(missing) support (WirePlumber's or PulseAudio's bluetooth settings)."))
        }

        let repair = advisor.how(.networkReset, subject)
        guard f.present else {
            checks.append(Check("present", .fail, "BlueZ does not have \(subject.name) any more.", step: .networkReset, text: repair))
            return skipRest(Array(deviceIDs.dropFirst()), because: "BlueZ does not have the device")
        }
        checks.append(Check("present", .pass, "BlueZ has \(subject.name)."))
        checks.append(f.paired
            ? Check("paired", .pass, "Paired.")
            : Check("paired", .fail, "Not paired with this computer.", step: .networkReset, text: repair))
        checks.append(f.trusted
            ? Check("trusted", .pass, "Trusted: it may reconnect by itself.")
            : Check("trusted", .warn, "Not trusted, so it cannot reconnect by itself.", step: .reconnect,
                    text: "Trust it: `bluetoothctl trust \(subject.address)`."))
        checks.append(f.connected
            ? Check("connected", .pass, "Connected.")
            : Check("connected", .warn, "Not connected.", step: .reconnect, text: advisor.how(.reconnect, subject)))

        let hasSink = f.uuids.contains { $0.lowercased() == a2dpSink }
        if f.connected {
            if f.servicesResolved {
                checks.append(Check("services-resolved", .pass, "Its services are resolved."))
            } else if f.audioStream {
                // bluetoothd 5.66 leaves it so after reconnecting by itself; the stream is what matters.
                checks.append(Check("services-resolved", .pass, "BlueZ has not marked its services resolved, but its A2DP stream is up."))
            } else {
                checks.append(Check("services-resolved", .fail, "Connected, but its services never resolved.", step: .reconnect,
                                    text: advisor.how(.reconnect, subject)))
            }
            checks.append(hasSink || f.audioStream
                ? Check("audio-profile", .pass, f.audioStream ? "Its A2DP stream is set up." : "It offers the A2DP audio sink.")
                : Check("audio-profile", .fail, "It does not offer the A2DP audio sink.", step: .networkReset, text: repair))
        } else {
            checks.append(Check("services-resolved", .skip, "Not connected."))
            checks.append(hasSink
                ? Check("audio-profile", .pass, "Its A2DP audio sink is known from the last connection.")
                : Check("audio-profile", .unknown, "No A2DP audio sink is known yet: it shows once it has connected."))
        }

        if let battery = f.battery {
            checks.append(battery <= policy.lowBatteryPercent
                ? Check("battery", .warn, "Battery at \(battery)%.", step: .charge, text: advisor.how(.charge, subject))
                : Check("battery", .pass, "Battery at \(battery)%."))
        } else {
            checks.append(Check("battery", .unknown, "BlueZ reports no battery level (the audio server's HFP provides it)."))
        }

        let drops = f.disconnectsLastHour
        if drops >= policy.flappingDrops || f.health == .flapping || f.health == .unstable {
            let finding = f.lastFinding ?? PatternFinding(
                kind: .flapping, count: drops, windowSeconds: Int(DeviceWatch.hour / .second), repeats: 0, at: 0)
            let advice = advisor.advice(for: finding, about: subject)
            checks.append(Check("recent-drops", .fail, "\(drops) drop\(drops == 1 ? "" : "s") in the last hour (\(f.health.rawValue)).",
                                step: advice.step, text: advice.text))
        } else if drops > 0 {
            checks.append(Check("recent-drops", .warn, "\(drops) drop\(drops == 1 ? "" : "s") in the last hour.", step: .reconnect,
                                text: advisor.how(.reconnect, subject)))
        } else {
            checks.append(Check("recent-drops", .pass, "No drops in the last hour."))
        }

        checks.append(f.health == .staleBond
            ? Check("bond", .fail, "The headset rejected this computer's key: it has forgotten this pairing.", step: .networkReset, text: repair)
            : Check("bond", .pass, "No sign of a stale bond."))
        return checks
    }
}
