import BlueZ
import DBus
import Testing

/// What the fuzzer (Tests/Fuzz, fuzz-bluez-mirror) found the mirror getting wrong
/// with answers and signals bluetoothd never sends but a peer on the bus may:
/// after every one, the events must add up to the tree.
struct HostileTreeTests {
    static let adapter: ObjectPath = "/org/bluez/hci0"

    static func adapterEntry(alias: String) -> DBusValue.DictEntry {
        DBusValue.DictEntry(.objectPath(adapter), [
            "org.bluez.Adapter1": ["Alias": Variant(alias)] as [String: Variant],
        ].dbusValue)
    }

    static func managedObjects(_ entries: [DBusValue.DictEntry]) -> DBusValue {
        .dictionary(key: .objectPath, value: ObjectTree.Objects.Value.dbusType, entries)
    }

    /// The wire allows a dictionary to repeat a key; the typed `Objects` keeps the
    /// last, and so must the reply as decoded, or the events describe the first.
    @Test func aPathNamedTwiceInGetManagedObjectsCountsOnceTheLastTime() {
        var tree = ObjectTree()
        _ = tree.reset(managedObjects: Self.managedObjects([Self.adapterEntry(alias: "b")]))
        let events = tree.reset(managedObjects: Self.managedObjects([Self.adapterEntry(alias: "a"), Self.adapterEntry(alias: "b")]))
        #expect(events.isEmpty, "nothing changed, yet \(events)")
        #expect(tree.adapters[Self.adapter]?.alias == "b")
    }
}
