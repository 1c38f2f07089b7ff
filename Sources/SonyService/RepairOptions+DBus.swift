import DBus
import SonyCore

extension RepairOptions {
    /// Reads `Device.Repair`'s `a{sv}`: `Timeout u` (1–600) and `SkipForget b`.
    /// Anything else, or a value of the wrong type or range, is `InvalidArgs`
    /// saying what was wrong.
    init(dbus options: [String: Variant]) throws(DBusError) {
        self.init()
        for (key, variant) in options.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "Timeout":
                guard case .uint32(let seconds) = variant.value else {
                    throw DBusError(.invalidArgs, "option Timeout must be a uint32 (u) of seconds, not \(variant.value.type)")
                }
                guard Self.timeoutRange.contains(seconds) else {
                    throw DBusError(
                        .invalidArgs,
                        "option Timeout must be from \(Self.timeoutRange.lowerBound) to \(Self.timeoutRange.upperBound) seconds, not \(seconds)")
                }
                deviceTimeout = .seconds(seconds)
            case "SkipForget":
                guard case .boolean(let skip) = variant.value else {
                    throw DBusError(.invalidArgs, "option SkipForget must be a boolean (b), not \(variant.value.type)")
                }
                skipForget = skip
            default:
                throw DBusError(.invalidArgs, "unknown option \"\(key)\": Repair takes Timeout (u) and SkipForget (b)")
            }
        }
    }
}
