public import DBus

/// Equality of D-Bus values that a round trip must preserve.
///
/// `DBusValue ==` is Swift's: a NaN differs from itself and `-0.0` equals `0.0`,
/// so doubles compare by bit pattern here. `exactText` compares strings byte for
/// byte (what the wire keeps); without it, by Swift's canonical equivalence (what
/// a Swift dictionary keyed by `String` keeps).
public func same(_ a: DBusValue, _ b: DBusValue, exactText: Bool = true) -> Bool {
    switch (a, b) {
    case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern
    case (.string(let x), .string(let y)): return exactText ? x.utf8.elementsEqual(y.utf8) : x == y
    case (.array(let t, let xs), .array(let u, let ys)):
        return t == u && same(xs, ys, exactText: exactText)
    case (.dictionary(let k, let v, let xs), .dictionary(let l, let w, let ys)):
        return k == l && v == w && xs.count == ys.count
            && zip(xs, ys).allSatisfy { same($0.key, $1.key, exactText: exactText) && same($0.value, $1.value, exactText: exactText) }
    case (.structure(let xs), .structure(let ys)): return same(xs, ys, exactText: exactText)
    case (.variant(let x), .variant(let y)): return same(x, y, exactText: exactText)
    default: return a == b
    }
}

public func same(_ xs: [DBusValue], _ ys: [DBusValue], exactText: Bool = true) -> Bool {
    xs.count == ys.count && zip(xs, ys).allSatisfy { same($0, $1, exactText: exactText) }
}

/// The value as a typed Swift dictionary would hold it: each dictionary's entries
/// in one order, a repeated key once, with the first spelling of the key and the
/// last value (what `Dictionary(dbusValue:)` builds).
public func canonical(_ value: DBusValue) -> DBusValue {
    switch value {
    case .array(let type, let items): return .array(type, items.map(canonical))
    case .structure(let fields): return .structure(fields.map(canonical))
    case .variant(let inner): return .variant(canonical(inner))
    case .dictionary(let key, let valueType, let entries):
        var kept: [DBusValue.DictEntry] = []
        for entry in entries {
            let entry = DBusValue.DictEntry(entry.key, canonical(entry.value))
            if let index = kept.firstIndex(where: { same($0.key, entry.key, exactText: false) }) {
                kept[index].value = entry.value
            } else {
                kept.append(entry)
            }
        }
        kept.sort { order($0.key, $1.key) }
        return .dictionary(key: key, value: valueType, kept)
    default: return value
    }
}

/// A total order on dictionary keys (basic values), consistent with `same(exactText: false)`.
private func order(_ a: DBusValue, _ b: DBusValue) -> Bool {
    switch (a, b) {
    case (.string(let x), .string(let y)): return x < y
    case (.objectPath(let x), .objectPath(let y)): return x < y
    case (.signature(let x), .signature(let y)): return x.rawValue < y.rawValue
    case (.double(let x), .double(let y)): return x.bitPattern < y.bitPattern
    default: return a.description < b.description
    }
}
