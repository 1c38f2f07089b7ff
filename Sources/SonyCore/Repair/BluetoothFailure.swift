/// A failure of one Bluetooth step, as the repair needs to see it: what kind of
/// trouble, and the BlueZ error behind it for the user's message.
public struct BluetoothFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Worth another try after a pause.
        case transient
        /// The adapter the repair runs on went away.
        case adapterGone
        /// The adapter was powered off.
        case adapterOff
        /// bluetoothd left the bus.
        case bluezGone
        /// The device refused or failed for good (authentication, rejected, …).
        case refused
    }

    public let kind: Kind
    /// What BlueZ said, e.g. `org.bluez.Error.Failed: br-connection-page-timeout`.
    public let detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }
}
