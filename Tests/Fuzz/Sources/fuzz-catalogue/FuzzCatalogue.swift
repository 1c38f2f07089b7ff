import FuzzSupport
import SonyCore

/// `models.yaml` (the shipped one, or one an operator passes with --catalogue):
/// refused at a line that exists, or a catalogue whose promises hold: every
/// model found by its id, each name (and its LE_ twin) and its product id; one
/// procedure per tier; every source cited declared, procedures from articles.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCatalogue(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let text = dataFileText(fuzzBytes(data, size)) else { return 0 }
    let catalogue: ModelCatalogue
    do {
        catalogue = try ModelCatalogue.parse(yaml: text, file: "models.yaml")
    } catch {
        invariant(error.file == "models.yaml" && !error.reason.isEmpty, "a refusal without its file or reason: \(error)")
        invariant((0...lineBound(text)).contains(error.line), "refused at line \(error.line) of \(lineBound(text)): \(error)")
        return 0
    }
    check(catalogue)
    return 0
}

func check(_ catalogue: ModelCatalogue) {
    invariant(catalogue.schemaVersion == 1 && !catalogue.models.isEmpty && !catalogue.sources.isEmpty, "\(catalogue)")
    invariant(catalogue.tiers.map(\.tier) == ResetTier.allCases, "tiers \(catalogue.tiers.map(\.tier))")
    let declared = Set(catalogue.sources.map(\.id))
    invariant(declared.count == catalogue.sources.count, "a source declared twice")
    for tier in catalogue.tiers { invariant(declared.contains(tier.source), "tier \(tier.tier) cites \(tier.source)") }
    for model in catalogue.models {
        invariant(catalogue.model(id: model.id) == model, "\(model) not found by its id")
        // Case is ignored as `lowercased()` ignores it, which for ASCII is every case.
        if model.id.utf8.allSatisfy({ $0 < 0x80 }) {
            invariant(catalogue.model(id: model.id.uppercased()) == model, "\(model) not found by its id in capitals")
        }
        invariant(!model.names.isEmpty && model.resets.map(\.tier) == ResetTier.allCases, "\(model): names or tiers")
        for name in model.names {
            invariant(catalogue.match(name: name) == NameMatch(model: model, isLowEnergyTwin: false), "\(model) not found by \(name)")
            // A name that starts with a combining mark would fuse with the prefix's "_".
            if ("le_" + name).count == name.count + 3 {
                invariant(catalogue.match(name: "le_" + name) == NameMatch(model: model, isLowEnergyTwin: true), "\(model): no LE twin for \(name)")
            }
        }
        if let productID = model.productID {
            invariant(catalogue.model(productID: productID) == model, "\(model) not found by its product id")
            invariant(model.productIDHex.flatMap { UInt16($0, radix: 16) } == productID, "\(model): hex \(model.productIDHex ?? "")")
        } else {
            invariant(model.productIDNote != nil, "\(model) has neither a product id nor a note")
        }
        invariant(declared.contains(model.identitySource), "\(model) cites \(model.identitySource)")
        for guidance in [model.pairing] + model.resets.map(\.guidance) {
            guard let procedure = guidance.procedure else { continue }
            invariant(!procedure.steps.isEmpty && (procedure.holdSeconds ?? 1) > 0, "\(model): a procedure without steps")
            invariant(catalogue.source(id: procedure.source)?.kind == .referenceArticle, "\(model): a procedure from \(procedure.source)")
        }
        for note in model.notes { invariant(declared.contains(note.source), "\(model): a note cites \(note.source)") }
        _ = (model.description, model.lowEnergyNames, model.reset(.network))
    }
}
