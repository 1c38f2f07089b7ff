import SonyCLIOutput
import SonyCore

/// The catalogue's procedures in words and as JSON, for `guide` and `models`.
enum GuideText {
    static func title(_ tier: ResetTier) -> String {
        switch tier {
        case .soft: "Soft reset"
        case .network: "Network reset"
        case .factory: "Factory reset"
        case .recovery: "Firmware recovery"
        }
    }

    static func header(_ m: ModelEntry) -> String {
        var facts = [m.formFactor.rawValue, "protocol \(m.generation.rawValue)"]
        if let number = m.modelNumber { facts.insert(number, at: 0) }
        if let pid = m.productIDHex { facts.append("product id \(pid)") }
        return m.id + " (" + facts.joined(separator: ", ") + ")"
    }

    static func guidance(_ g: Guidance, catalogue: ModelCatalogue, tier: TierDescription?, on terminal: Terminal) -> [String] {
        guard case .known(let p) = g else {
            if case .unknown(let note) = g { return wrap("Not known: " + note, width: terminal.width - 4).map { "  " + $0 } }
            return []
        }
        var lines: [String] = []
        for (i, step) in p.steps.enumerated() {
            lines.append("  " + terminal.paint("\(i + 1).", .bold) + " " + step)
        }
        var facts: [String] = []
        if let hold = p.holdSeconds { facts.append("hold \(hold) s") }
        if let takes = p.takes { facts.append("takes \(takes)") }
        if !facts.isEmpty { lines.append("  " + facts.joined(separator: " · ")) }
        func labelled(_ label: String, _ text: String, _ style: Style? = nil) {
            let body = wrap(text, width: terminal.width - 6 - label.count)
            for (i, line) in body.enumerated() {
                let prefix = i == 0 ? terminal.paint(label, style ?? .bold) + " " : String(repeating: " ", count: label.count + 1)
                lines.append("  " + prefix + line)
            }
        }
        if let c = p.confirmation { labelled("Confirmation:", c) }
        if let keeps = p.keeps ?? tier?.keeps, !keeps.isEmpty { labelled("Keeps:", keeps.joined(separator: "; ")) }
        if let wipes = p.wipes ?? tier?.wipes, !wipes.isEmpty { labelled("Wipes:", wipes.joined(separator: "; ")) }
        for warning in p.warnings { labelled("Warning:", warning, .boldRed) }
        for caveat in p.caveats { labelled("Caveat:", caveat, .yellow) }
        labelled("Source:", catalogue.source(id: p.source)?.title ?? p.source, .dim)
        return lines
    }

    static func lines(_ m: ModelEntry, tiers: [ResetTier], pairing: Bool, catalogue: ModelCatalogue, on terminal: Terminal) -> [String] {
        var lines = [terminal.paint(header(m), .bold)]
        if pairing {
            lines += ["", terminal.paint("Pairing mode", .bold)]
            lines += guidance(m.pairing, catalogue: catalogue, tier: nil, on: terminal)
        }
        for tier in tiers {
            let description = catalogue.description(of: tier)
            lines += ["", terminal.paint(title(tier), .bold) + (description.map { " — " + $0.summary } ?? "")]
            lines += guidance(m.reset(tier).guidance, catalogue: catalogue, tier: description, on: terminal)
            if tier == .network {
                lines.append("  " + terminal.paint("This computer's half:", .bold) + " `sonyctl repair \(m.id)` forgets and pairs it again.")
            }
        }
        if pairing, !m.notes.isEmpty {
            lines += ["", terminal.paint("Notes", .bold)]
            for note in m.notes { lines += wrap(note.text, width: terminal.width - 6).enumerated().map { ($0.offset == 0 ? "  - " : "    ") + $0.element } }
        }
        return lines
    }

    // MARK: - JSON

    static func json(_ g: Guidance, catalogue: ModelCatalogue) -> JSON {
        switch g {
        case .unknown(let note): return .object(["known": false, "note": .string(note)])
        case .known(let p):
            let source = catalogue.source(id: p.source)
            return .object([
                "known": true, "steps": .strings(p.steps), "hold_seconds": .integer(p.holdSeconds),
                "confirmation": .nullable(p.confirmation), "takes": .nullable(p.takes),
                "keeps": p.keeps.map(JSON.strings) ?? .null, "wipes": p.wipes.map(JSON.strings) ?? .null,
                "warnings": .strings(p.warnings), "caveats": .strings(p.caveats),
                "source": .object(["id": .string(p.source), "title": .nullable(source?.title), "file": .nullable(source?.file)]),
            ])
        }
    }

    static func modelJSON(_ m: ModelEntry) -> [(String, JSON)] {
        [
            ("id", .string(m.id)), ("names", .strings(m.names)), ("model_number", .nullable(m.modelNumber)),
            ("product_id", .nullable(m.productIDHex)), ("generation", .string(m.generation.rawValue)),
            ("form_factor", .string(m.formFactor.rawValue)),
        ]
    }

    static func json(_ m: ModelEntry, tiers: [ResetTier], catalogue: ModelCatalogue) -> JSON {
        .object([
            "model": .object(modelJSON(m)),
            "pairing": json(m.pairing, catalogue: catalogue),
            "tiers": .array(tiers.map { tier in
                let d = catalogue.description(of: tier)
                return .object([
                    "tier": .string(tier.rawValue), "summary": .nullable(d?.summary),
                    "keeps": d?.keeps.map(JSON.strings) ?? .null, "wipes": d?.wipes.map(JSON.strings) ?? .null,
                    "caveats": .strings(d?.caveats ?? []),
                    "procedure": json(m.reset(tier).guidance, catalogue: catalogue),
                ])
            }),
            "notes": .array(m.notes.map { .object(["text": .string($0.text), "source": .string($0.source)]) }),
        ])
    }
}
