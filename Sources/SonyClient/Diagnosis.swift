import DBus

/// The answer of `Device.Diagnose() → (s step, s advice, a(sss) checks)`.
public struct Diagnosis: Sendable, Equatable {
    /// One check, in the daemon's order: `bluez`, `adapter`, `audio-server`,
    /// `present`, `paired`, `trusted`, `connected`, `services-resolved`,
    /// `audio-profile`, `battery`, `recent-drops`, `bond`.
    public struct Check: Sendable, Equatable {
        public var id: String
        /// `pass`, `warn`, `fail`, `unknown` or `skip`.
        public var result: String
        public var detail: String

        public init(id: String, result: String, detail: String) {
            self.id = id
            self.result = result
            self.detail = detail
        }
    }

    /// The mildest step that should help: `none`, `host-fix`, `reconnect`,
    /// `charge`, `soft-reset`, `network-reset`, `factory-reset`, `firmware-recovery`.
    public var step: String
    /// What to do, in words, with the model's button sequence.
    public var advice: String
    public var checks: [Check]

    public init(step: String, advice: String, checks: [Check]) {
        self.step = step
        self.advice = advice
        self.checks = checks
    }

    /// `(s, s, a(sss))`, the reply of `Diagnose`.
    init(_ message: Message) throws(DBusDecodingError) {
        let checks = try message.rows("ssa(sss)", at: 2, fields: [.string, .string, .string]).map {
            (fields) throws(DBusDecodingError) -> Check in
            Check(id: try String(dbusValue: fields[0]), result: try String(dbusValue: fields[1]), detail: try String(dbusValue: fields[2]))
        }
        // `rows` has checked the signature, so both strings are there.
        self.init(step: try String(dbusValue: message.body[0]), advice: try String(dbusValue: message.body[1]), checks: checks)
    }
}
