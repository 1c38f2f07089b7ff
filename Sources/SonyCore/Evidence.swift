/// Why a device was taken for a Sony device. The raw values are the strings of the
/// `Evidence` property in DESIGN.md.
///
/// Declared strongest first, and `Comparable` in that order, so that sorting a list of
/// evidence puts the strongest first as the D-Bus property promises.
public enum Evidence: String, Sendable, Hashable, CaseIterable, Comparable {
    /// `UUIDs` holds Sony's MDR control-service UUID (v1 or v2).
    case serviceUUID = "service-uuid"
    /// `Modalias` carries Sony's vendor id.
    case modalias
    /// `ManufacturerData` has Sony's Bluetooth SIG company id, 0x012D.
    case manufacturerData = "manufacturer-data"
    /// `Name` is exactly a catalogue model's name (or its `LE_` form).
    case name

    private var strength: Int {
        switch self {
        case .serviceUUID: 0
        case .modalias: 1
        case .manufacturerData: 2
        case .name: 3
        }
    }

    /// Stronger sorts first.
    public static func < (lhs: Evidence, rhs: Evidence) -> Bool {
        lhs.strength < rhs.strength
    }
}
