import SonyCore
import Testing

/// A small valid catalogue; the broken ones below are this with one edit, so that each
/// test breaks exactly one rule. Line numbers are given in the comments because the
/// expected errors name them.
private let validLines: [String] = [
    "schema: 1",                                              // 1
    "sources:",                                               // 2
    "  guide:",                                               // 3
    "    kind: reference-article",                            // 4
    "    title: A guide",                                     // 5
    "  notes:",                                               // 6
    "    kind: research",                                     // 7
    "    title: Research notes",                              // 8
    "tiers:",                                                 // 9
    "  soft: {summary: Restart., source: guide}",             // 10
    "  network: {summary: Forget pairings., source: guide}",  // 11
    "  factory: {summary: Erase everything., source: guide}", // 12
    "  recovery: {summary: Reinstall firmware., source: guide}", // 13
    "models:",                                                // 14
    "  - id: WH-1000XM4",                                     // 15
    "    names: [WH-1000XM4]",                                // 16
    "    product_id: \"0D58\"",                               // 17
    "    generation: v1",                                     // 18
    "    form_factor: headphones",                            // 19
    "    identity_source: notes",                             // 20
    "    pairing: {known: false, note: Not in the guide.}",   // 21
    "    resets:",                                            // 22
    "      soft:",                                            // 23
    "        known: true",                                    // 24
    "        source: guide",                                  // 25
    "        steps: [Hold Power for 7 seconds.]",             // 26
    "        hold_seconds: 7",                                // 27
    "      network: {known: false, note: Not in the guide.}", // 28
    "      factory: {known: false, note: Not in the guide.}", // 29
    "      recovery: {known: false, note: Not in the guide.}", // 30
    "  - id: WF-1000XM5",                                     // 31
    "    names: [WF-1000XM5]",                                // 32
    "    product_id: \"0E63\"",                               // 33
    "    generation: v2",                                     // 34
    "    form_factor: earbuds",                               // 35
    "    identity_source: notes",                             // 36
    "    pairing: {known: false, note: Not in the guide.}",   // 37
    "    resets:",                                            // 38
    "      soft: {known: false, note: Not in the guide.}",    // 39
    "      network: {known: false, note: Not in the guide.}", // 40
    "      factory: {known: false, note: Not in the guide.}", // 41
    "      recovery: {known: false, note: Not in the guide.}", // 42
]

/// One edit to the valid catalogue.
struct Breakage: Sendable, CustomTestStringConvertible {
    enum Edit: Sendable {
        /// Replace line n (1-based) with these lines (none: delete it).
        case replace(Int, [String])
        /// Insert lines after line n.
        case insert(after: Int, [String])
        /// Use this text instead of the catalogue.
        case whole(String)
    }

    let label: String
    let edit: Edit
    let line: Int
    let reason: String

    var testDescription: String { label }

    var yaml: String {
        var lines = validLines
        switch edit {
        case .replace(let n, let new): lines.replaceSubrange((n - 1)..<n, with: new)
        case .insert(let n, let new): lines.insert(contentsOf: new, at: n)
        case .whole(let text): return text
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

private let m0 = "models[0] (WH-1000XM4)"
private let m1 = "models[1] (WF-1000XM5)"

private let breakages: [Breakage] = [
    Breakage(label: "product id with 3 digits", edit: .replace(17, ["    product_id: \"0D5\""]), line: 17,
             reason: "\(m0).product_id: '0D5' is not 4 hex digits (write the Modalias p field, e.g. \"0D58\")"),
    Breakage(label: "product id with 0x", edit: .replace(17, ["    product_id: 0x0D58"]), line: 17,
             reason: "\(m0).product_id: '0x0D58' is not 4 hex digits (write the Modalias p field, e.g. \"0D58\")"),
    Breakage(label: "product id not hex", edit: .replace(17, ["    product_id: \"0DG8\""]), line: 17,
             reason: "\(m0).product_id: '0DG8' is not 4 hex digits (write the Modalias p field, e.g. \"0D58\")"),
    Breakage(label: "unknown product id without a note", edit: .replace(17, ["    product_id: null"]), line: 17,
             reason: "\(m0).product_id: null needs a product_id_note saying why the product id is unknown"),
    Breakage(label: "note beside a known product id", edit: .insert(after: 17, ["    product_id_note: Why not."]), line: 18,
             reason: "\(m0).product_id_note: only for a model whose product_id is null"),
    Breakage(label: "duplicate product id (other case)", edit: .replace(33, ["    product_id: \"0d58\""]), line: 33,
             reason: "\(m1).product_id: 0D58 is already the product id of WH-1000XM4 (line 17)"),
    Breakage(label: "duplicate id (other case)", edit: .replace(31, ["  - id: wh-1000xm4"]), line: 31,
             reason: "models[1] (wh-1000xm4).id: 'wh-1000xm4' is already the id of the model at line 15"),
    Breakage(label: "duplicate name", edit: .replace(32, ["    names: [WF-1000XM5, WH-1000XM4]"]), line: 32,
             reason: "\(m1).names: 'WH-1000XM4' is already a name of WH-1000XM4 (line 16)"),
    Breakage(label: "LE_ name listed", edit: .replace(32, ["    names: [LE_WF-1000XM5]"]), line: 32,
             reason: "\(m1).names: 'LE_WF-1000XM5' starts with 'LE_'; list the classic name only, the LE twin's name is derived from it"),
    Breakage(label: "no names", edit: .replace(32, ["    names: []"]), line: 32,
             reason: "\(m1).names: at least one name is required"),
    Breakage(label: "empty id", edit: .replace(15, ["  - id: \"\""]), line: 15,
             reason: "models[0].id: must not be empty"),
    Breakage(label: "unknown generation", edit: .replace(18, ["    generation: v3"]), line: 18,
             reason: "\(m0).generation: unknown generation 'v3' (expected v1, v2, unknown)"),
    Breakage(label: "unknown form factor", edit: .replace(35, ["    form_factor: speaker"]), line: 35,
             reason: "\(m1).form_factor: unknown form factor 'speaker' (expected headphones, earbuds)"),
    Breakage(label: "unknown tier", edit: .replace(28, ["      hard: {known: false, note: Not in the guide.}"]), line: 28,
             reason: "\(m0).resets: unknown tier 'hard' (expected soft, network, factory, recovery)"),
    Breakage(label: "missing tier", edit: .replace(29, []), line: 22,
             reason: "\(m0).resets: missing tier 'factory' (write `known: false` with a note when no procedure is known)"),
    Breakage(label: "missing tier description", edit: .replace(13, []), line: 9,
             reason: "tiers: missing tier 'recovery'"),
    Breakage(label: "missing required key", edit: .replace(20, []), line: 15,
             reason: "\(m0): missing required key 'identity_source'"),
    Breakage(label: "misspelt optional key", edit: .replace(27, ["        hold_second: 7"]), line: 27,
             reason: "\(m0).resets.soft: unknown key 'hold_second' when known is true (allowed: known, source, steps, hold_seconds, confirmation, takes, keeps, wipes, warnings, caveats)"),
    Breakage(label: "procedure citing research", edit: .replace(25, ["        source: notes"]), line: 25,
             reason: "\(m0).resets.soft.source: 'notes' is research, but a procedure must come from a reference-article source"),
    Breakage(label: "procedure citing an undeclared source", edit: .replace(25, ["        source: blog"]), line: 25,
             reason: "\(m0).resets.soft.source: unknown source 'blog' (declared: guide, notes)"),
    Breakage(label: "known procedure without steps", edit: .replace(26, ["        steps: []"]), line: 26,
             reason: "\(m0).resets.soft.steps: a known procedure needs at least one step"),
    Breakage(label: "unknown procedure without a note", edit: .replace(28, ["      network: {known: false}"]), line: 28,
             reason: "\(m0).resets.network: missing required key 'note' when known is false"),
    Breakage(label: "unknown procedure with steps",
             edit: .replace(28, ["      network: {known: false, note: None., steps: [Guess.]}"]), line: 28,
             reason: "\(m0).resets.network: unknown key 'steps' when known is false (allowed: known, note)"),
    Breakage(label: "known is not a boolean", edit: .replace(21, ["    pairing: {known: yes, note: Not in the guide.}"]), line: 21,
             reason: "\(m0).pairing.known: must be true or false, not 'yes'"),
    Breakage(label: "hold time in words", edit: .replace(27, ["        hold_seconds: seven"]), line: 27,
             reason: "\(m0).resets.soft.hold_seconds: must be a whole number"),
    Breakage(label: "hold time of zero", edit: .replace(27, ["        hold_seconds: 0"]), line: 27,
             reason: "\(m0).resets.soft.hold_seconds: must be a positive number of seconds"),
    Breakage(label: "unsupported schema", edit: .replace(1, ["schema: 2"]), line: 1,
             reason: "schema: version 2 is not supported (expected 1)"),
    Breakage(label: "unknown source kind", edit: .replace(7, ["    kind: blog"]), line: 7,
             reason: "sources.notes.kind: unknown kind 'blog' (expected reference-article, research)"),
    Breakage(label: "unknown top-level key", edit: .insert(after: 1, ["brand: Sony"]), line: 2,
             reason: "the catalogue: unknown key 'brand' (allowed: schema, sources, tiers, models)"),
    Breakage(label: "names is not a list", edit: .replace(16, ["    names: WH-1000XM4"]), line: 16,
             reason: "\(m0).names: expected a list, found text"),
    Breakage(label: "id that starts with LE_", edit: .replace(31, ["  - id: LE_WF-1000XM5"]), line: 31,
             reason: "models[1] (LE_WF-1000XM5).id: must not start with 'LE_' (that prefix marks the LE twin)"),
    Breakage(label: "duplicate key", edit: .insert(after: 18, ["    generation: v2"]), line: 18,
             reason: "duplicate key 'generation' in one mapping"),
    Breakage(label: "no models", edit: .whole(validLines[0..<13].joined(separator: "\n") + "\nmodels: []\n"), line: 14,
             reason: "models: at least one model is required"),
    Breakage(label: "empty file", edit: .whole(""), line: 1,
             reason: "the catalogue is empty"),
    Breakage(label: "not a mapping", edit: .whole("- WH-1000XM4\n"), line: 1,
             reason: "the catalogue: expected a mapping (key: value lines), found a list"),
]

@Suite("Broken catalogues")
struct CatalogueRefusalTests {
    @Test("the unbroken catalogue loads, so each breakage below is the only fault")
    func baseIsValid() throws {
        let catalogue = try ModelCatalogue.parse(yaml: validLines.joined(separator: "\n"), file: "base.yaml")
        #expect(catalogue.models.map(\.id) == ["WH-1000XM4", "WF-1000XM5"])
        #expect(catalogue.model(id: "WH-1000XM4")?.reset(.soft).guidance.procedure?.holdSeconds == 7)
    }

    @Test("each breakage is refused at its line, for its reason", arguments: breakages)
    func refused(_ breakage: Breakage) {
        do {
            _ = try ModelCatalogue.parse(yaml: breakage.yaml, file: "broken.yaml")
            Issue.record("accepted a catalogue with: \(breakage.label)")
        } catch {
            // Compared as the printed form, so a failure shows both messages in full.
            #expect(error.description == "broken.yaml:\(breakage.line): \(breakage.reason)")
        }
    }

    @Test("an id that is another model's name is refused at the id")
    func idCollidesWithName() {
        var lines = validLines
        lines[15] = "    names: [WH-1000XM4, Headset]"
        lines[30] = "  - id: Headset"
        lines[31] = "    names: [Headset Two]"
        #expect(throws: DataFileError(
            file: "x.yaml", line: 31,
            reason: "models[1] (Headset).id: 'Headset' is already a name of WH-1000XM4 (line 16)"
        )) {
            _ = try ModelCatalogue.parse(yaml: lines.joined(separator: "\n"), file: "x.yaml")
        }
    }

    @Test("YAML syntax errors carry libyaml's line")
    func syntaxError() {
        var lines = validLines
        lines[18] = "   form_factor: headphones"  // line 19, one space short
        do {
            _ = try ModelCatalogue.parse(yaml: lines.joined(separator: "\n"), file: "syntax.yaml")
            Issue.record("a mis-indented catalogue was accepted")
        } catch {
            #expect(error.file == "syntax.yaml")
            #expect(error.line == 19)
            #expect(error.reason.hasPrefix("YAML syntax: "))
        }
    }

    @Test("files: errors name the path given; fixtures on disk are refused like inline text")
    func fixtureFiles() {
        let duplicate = TestPaths.fixtures + "/duplicate-product-id.yaml"
        #expect(throws: DataFileError(
            file: duplicate, line: 33,
            reason: "models[1] (WF-1000XM5).product_id: 0D58 is already the product id of WH-1000XM4 (line 17)"
        )) {
            _ = try ModelCatalogue.load(contentsOf: duplicate)
        }

        let invented = TestPaths.fixtures + "/procedure-without-article.yaml"
        #expect(throws: DataFileError(
            file: invented, line: 25,
            reason: "models[0] (WH-1000XM4).resets.soft.source: 'notes' is research, but a procedure must come from a reference-article source"
        )) {
            _ = try ModelCatalogue.load(contentsOf: invented)
        }

        let missing = TestPaths.fixtures + "/no-such-file.yaml"
        #expect(throws: DataFileError(file: missing, line: 0, reason: "cannot open: No such file or directory")) {
            _ = try ModelCatalogue.load(contentsOf: missing)
        }
        #expect(DataFileError(file: "f.yaml", line: 0, reason: "r").description == "f.yaml: r")
        #expect(DataFileError(file: "f.yaml", line: 3, reason: "r").description == "f.yaml:3: r")
    }
}
