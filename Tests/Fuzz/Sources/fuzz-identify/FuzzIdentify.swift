import FuzzSupport
import SonyCore

/// Identification from what BlueZ says of devices, over the shipped catalogue:
/// a run of device facts (mostly Sony-looking, often contradictory) through the
/// registry, which must keep what SonyRegistry promises: identification sticks to
/// an address, evidence only grows, a model once learnt stays, twins link in pairs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIdentify(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(fuzzBytes(data, size))
    var registry = SonyRegistry(catalogue: catalogue)
    var steps = 0
    while !input.isEmpty, steps < 64 {
        steps += 1
        let before = registry
        switch input.below(8) {
        case 0..<6:
            let facts = Facts.read(&input)
            check(identifier.identify(facts), facts)
            _ = registry.update(facts)
        case 6:
            _ = registry.remove(address: input.pick(Facts.addresses))
        default:
            let model = input.bool() ? input.pick(catalogue.models) : nil
            registry.remember(SonyDevice(address: input.pick(Facts.addresses), name: nil, model: model,
                                         evidence: [input.pick(Evidence.allCases)], generation: model?.generation ?? .unknown, isPresent: true))
        }
        checkSticky(before, registry)
        checkLinks(registry)
    }
    return 0
}

/// The shipped catalogue, from the repository this fuzzer was built in.
let catalogue: ModelCatalogue = {
    let here = #filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(5).joined(separator: "/")
    do {
        return try ModelCatalogue.load(contentsOf: here + "/config/models.yaml")
    } catch {
        fatalError("cannot read the shipped catalogue: \(error)")
    }
}()
let identifier = SonyIdentifier(catalogue: catalogue)

func check(_ identification: Identification?, _ facts: DeviceFacts) {
    invariant(identifier.identify(facts) == identification, "the same facts identified twice differently: \(facts)")
    guard let identification else { return }
    let evidence = identification.evidence
    invariant(!evidence.isEmpty && evidence == Array(Set(evidence)).sorted(), "evidence \(evidence) for \(facts)")
    invariant(identification.model.map { catalogue.model(id: $0.id) == $0 } ?? true, "a model not in the catalogue")
    invariant(!identification.isLowEnergyTwin || evidence.contains(.name), "an LE twin without its name: \(facts)")
}

func checkSticky(_ before: SonyRegistry, _ after: SonyRegistry) {
    for old in before.devices {
        guard let new = after.device(at: old.address) else {
            invariant(false, "\(old.address) stopped being a Sony device")
            return
        }
        invariant(old.model == nil || new.model == old.model, "\(old.address): model \(old.model as Any) became \(new.model as Any)")
        invariant(Set(new.evidence).isSuperset(of: old.evidence), "\(old.address): evidence \(old.evidence) shrank to \(new.evidence)")
        invariant(old.generation == .unknown || new.generation == old.generation, "\(old.address): generation changed")
    }
}

func checkLinks(_ registry: SonyRegistry) {
    let devices = registry.devices
    invariant(devices.map(\.address) == devices.map(\.address).sorted(), "devices not ordered by address")
    for device in devices {
        invariant(!registry.isLowEnergyTwin(device.address), "\(device.address) is both a device and a twin")
        invariant(registry.device(at: device.address.lowercased()) == device, "\(device.address) not found in lower case")
        guard let twin = registry.twin(of: device.address) else { continue }
        invariant(registry.isLowEnergyTwin(twin) && registry.twin(of: twin) == device.address, "\(device.address) ↔ \(twin) is one-sided")
    }
}

/// Facts from a small world of addresses, names and identifiers, in many spellings.
enum Facts {
    static let addresses = ["AC:80:0A:11:22:33", "ac:80:0a:11:22:33", "AC:80:0A:11:22:34", "F8:4E:17:55:66:77", "00:1A:7D:DA:71:13", ""]
    static let names = ["WH-1000XM4", "LE_WH-1000XM4", "le_wh-1000xm4", "WF-1000XM5", "LE_WF-1000XM5", "LinkBuds S", "Sony", "LE_", ""]
    static let uuids = [
        "96CC203E-5068-46AD-B32D-E316F5E069BA", "96cc203e-5068-46ad-b32d-e316f5e069ba", "956C7B26-D49A-4BA8-B03F-B17D393CB6E2",
        "0000110b-0000-1000-8000-00805f9b34fb", "x",
    ]
    static let modaliases = [
        "usb:v054Cp0D58d0301", "USB:V054CP0D58", "usb:v054Cp0E63d0201", "usb:v054Cp1234d0001", "bluetooth:v012Dp0D58d0001",
        "usb:v054Cp0D58x", "usb:v054C", "bluetooth:v0056p0001d0001",
    ]

    static func read(_ input: inout FuzzInput) -> DeviceFacts {
        DeviceFacts(
            address: input.below(8) == 0 ? nil : input.pick(addresses),
            name: name(&input), alias: name(&input),
            uuids: (0..<input.below(4)).map { _ in input.pick(uuids) },
            modalias: input.bool() ? nil : (input.below(8) == 0 ? input.text(upTo: 24) : input.pick(modaliases)),
            manufacturerIDs: (0..<input.below(3)).map { _ in input.pick([0x012D, 0x0056, input.uint16()]) },
            deviceClass: input.pick([nil, 0, 0x240404, 0x5a020c, input.uint32()]),
            icon: input.pick([nil, "", "audio-headset", "audio-card", "input-gaming", "phone"]))
    }

    static func name(_ input: inout FuzzInput) -> String? {
        switch input.below(6) {
        case 0: nil
        case 1: input.text(upTo: 16)
        case 2: input.pick(catalogue.models).names[0]
        default: input.pick(names)
        }
    }
}
