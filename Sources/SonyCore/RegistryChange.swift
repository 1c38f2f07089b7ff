/// What one `SonyRegistry.update(_:)` or `remove(address:)` did, so that the daemon knows
/// which object to export, change or mark absent.
public enum RegistryChange: Sendable, Hashable {
    /// Not a Sony device (or the facts had no address): nothing recorded.
    case ignored
    /// A Sony audio device seen for the first time.
    case added(SonyDevice)
    /// A known device whose identification, name or presence changed.
    case updated(old: SonyDevice, new: SonyDevice)
    /// A known device; nothing the registry keeps changed.
    case unchanged(SonyDevice)
    /// An `LE_` twin was seen (again). It has no device of its own; `twin` is the classic
    /// device it is linked to, if one could be chosen.
    case lowEnergyTwin(address: String, twin: String?)
    /// BlueZ no longer has this device; its identification is kept for when it returns.
    case departed(SonyDevice)
    /// BlueZ no longer has this `LE_` twin; it was linked to `twin`, if anything.
    case lowEnergyTwinDeparted(address: String, twin: String?)
}
