/// How names are compared, in one place so that the catalogue's uniqueness check and the
/// identifier's lookups can never disagree.
///
/// BlueZ reports the name the device advertises; users type names in any case. Comparison
/// is therefore case-insensitive but otherwise exact: no trimming, no substring matching,
/// so "Sony" or "Sony Xperia" never match a model.
enum ModelName {
    /// The prefix Sony headsets give their LE-only object (`LE_WH-1000XM4`).
    static let lowEnergyPrefix = "LE_"

    static func key(_ name: String) -> String {
        name.lowercased()
    }

    /// The name without its `LE_` prefix (any case), or `nil` when it has none.
    static func strippingLowEnergyPrefix(_ name: String) -> String? {
        let prefixLength = lowEnergyPrefix.count
        guard name.count > prefixLength,
              name.prefix(prefixLength).lowercased() == lowEnergyPrefix.lowercased() else {
            return nil
        }
        return String(name.dropFirst(prefixLength))
    }
}
