/// Which generation of Sony's MDR control protocol a model speaks.
///
/// The daemon never speaks MDR itself, but the generation matters for anyone who will:
/// the same opcode (0x22) reads the battery on v2 and powers a v1 headset off. BlueZ shows
/// the generation directly as the control service's UUID in `Device1.UUIDs`.
public enum ProtocolGeneration: String, Sendable, Hashable, CaseIterable {
    /// The older protocol (WH-1000XM3, WH-1000XM4).
    case v1
    /// The newer protocol (WH-1000XM5 and later, most current earbuds).
    case v2
    /// Neither the catalogue nor the device tells.
    case unknown

    /// The RFCOMM control service UUID that announces this generation, upper case.
    public var serviceUUID: String? {
        switch self {
        case .v1: "96CC203E-5068-46AD-B32D-E316F5E069BA"
        case .v2: "956C7B26-D49A-4BA8-B03F-B17D393CB6E2"
        case .unknown: nil
        }
    }

    /// The generation a service UUID announces, compared without regard to case
    /// (BlueZ reports UUIDs in lower case, the research notes quote them in upper case).
    public init?(serviceUUID: String) {
        let wanted = serviceUUID.uppercased()
        guard let match = [ProtocolGeneration.v1, .v2].first(where: { $0.serviceUUID == wanted }) else {
            return nil
        }
        self = match
    }
}
