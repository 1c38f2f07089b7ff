/// Turns catalogue YAML into a `ModelCatalogue`, or into the first problem found with its
/// line number.
///
/// It walks the node tree from `YAMLComposer` instead of decoding with `Codable`: a decoder
/// reports a coding path at best, while every node here carries its `Mark`, so each error
/// can name the line to fix. Unknown keys are errors too, so that a misspelt optional key
/// (`hold_second:`) is not silently ignored.
struct CatalogueParser {
    typealias Node = YAMLNode

    let file: String

    /// The schema version this parser understands.
    static let schemaVersion = 1

    func parse(_ yaml: String) throws(CatalogueError) -> ModelCatalogue {
        let composed: Node?
        do {
            composed = try YAMLComposer.compose(yaml)
        } catch {
            throw CatalogueError(file: file, line: error.line, reason: error.problem)
        }
        guard let root = composed else {
            throw CatalogueError(file: file, line: 1, reason: "the catalogue is empty")
        }

        let top = try mapping(root, "the catalogue")
        try checkKeys(top, path: "the catalogue", required: ["schema", "sources", "tiers", "models"], optional: [])

        let schemaNode = try require(top, "schema", "the catalogue")
        let schema = try integer(schemaNode, "schema")
        guard schema == Self.schemaVersion else {
            throw fail(schemaNode, "schema: version \(schema) is not supported (expected \(Self.schemaVersion))")
        }

        let sources = try parseSources(try require(top, "sources", "the catalogue"))
        let tiers = try parseTiers(try require(top, "tiers", "the catalogue"), key: top.keyNode("tiers"), sources: sources)
        let models = try parseModels(try require(top, "models", "the catalogue"), sources: sources)
        return ModelCatalogue(schemaVersion: schema, models: models, sources: sources, tiers: tiers)
    }

    // MARK: - Sections

    private func parseSources(_ node: Node) throws(CatalogueError) -> [CatalogueSource] {
        let entries = try mapping(node, "sources").entries
        guard !entries.isEmpty else { throw fail(node, "sources: at least one source is required") }
        var sources: [CatalogueSource] = []
        for (id, _, value) in entries {
            let path = "sources.\(id)"
            let fields = try mapping(value, path)
            try checkKeys(fields, path: path, required: ["kind", "title"], optional: ["file", "reliability"])
            let kindNode = try require(fields, "kind", path)
            let kindName = try string(kindNode, "\(path).kind")
            guard let kind = CatalogueSource.Kind(rawValue: kindName) else {
                throw fail(kindNode, "\(path).kind: unknown kind '\(kindName)' (expected \(choices(CatalogueSource.Kind.allCases.map(\.rawValue))))")
            }
            sources.append(CatalogueSource(
                id: id,
                kind: kind,
                title: try string(try require(fields, "title", path), "\(path).title"),
                file: try optionalString(fields, "file", path),
                reliability: try optionalString(fields, "reliability", path)
            ))
        }
        return sources
    }

    /// `key` is the `tiers:` key, where a missing tier is reported: the line a reader looks
    /// at, rather than the first tier's.
    private func parseTiers(_ node: Node, key: Node?, sources: [CatalogueSource]) throws(CatalogueError) -> [TierDescription] {
        var tiers: [TierDescription] = []
        for (_, keyNode, value) in try mapping(node, "tiers").entries {
            let tier = try tierName(keyNode, "tiers")
            let path = "tiers.\(tier.rawValue)"
            let fields = try mapping(value, path)
            try checkKeys(fields, path: path, required: ["summary", "source"], optional: ["keeps", "wipes", "caveats"])
            tiers.append(TierDescription(
                tier: tier,
                summary: try string(try require(fields, "summary", path), "\(path).summary"),
                keeps: try optionalStringList(fields, "keeps", path),
                wipes: try optionalStringList(fields, "wipes", path),
                caveats: try optionalStringList(fields, "caveats", path) ?? [],
                source: try sourceReference(try require(fields, "source", path), "\(path).source", sources: sources, mustBeArticle: false)
            ))
        }
        try requireEveryTier(present: tiers.map(\.tier), in: key ?? node, path: "tiers")
        return tiers
    }

    private func parseModels(_ node: Node, sources: [CatalogueSource]) throws(CatalogueError) -> [ModelEntry] {
        let items = try sequence(node, "models")
        guard !items.isEmpty else { throw fail(node, "models: at least one model is required") }

        // Where each id, name and product id was first seen, to name both places when a
        // second model reuses one.
        var seenIDs: [String: (model: String, line: Int)] = [:]
        var seenNames: [String: (model: String, line: Int)] = [:]
        var seenProductIDs: [UInt16: (model: String, line: Int)] = [:]
        var models: [ModelEntry] = []

        for (index, item) in items.enumerated() {
            let model = try parseModel(item, index: index, sources: sources)
            let path = "models[\(index)] (\(model.entry.id))"

            if let earlier = seenIDs[ModelName.key(model.entry.id)] {
                throw fail(model.idNode, "\(path).id: '\(model.entry.id)' is already the id of the model at line \(earlier.line)")
            }
            if let earlier = seenNames[ModelName.key(model.entry.id)], earlier.model != model.entry.id {
                throw fail(model.idNode, "\(path).id: '\(model.entry.id)' is already a name of \(earlier.model) (line \(earlier.line))")
            }
            seenIDs[ModelName.key(model.entry.id)] = (model.entry.id, line(model.idNode))

            for (name, nameNode) in zip(model.entry.names, model.nameNodes) {
                if let earlier = seenNames[ModelName.key(name)] {
                    throw fail(nameNode, "\(path).names: '\(name)' is already a name of \(earlier.model) (line \(earlier.line))")
                }
                if let earlier = seenIDs[ModelName.key(name)], earlier.model != model.entry.id {
                    throw fail(nameNode, "\(path).names: '\(name)' is already the id of the model at line \(earlier.line)")
                }
                seenNames[ModelName.key(name)] = (model.entry.id, line(nameNode))
            }

            if let productID = model.entry.productID {
                if let earlier = seenProductIDs[productID] {
                    throw fail(model.productIDNode, "\(path).product_id: \(HexDigits.four(productID)) is already the product id of \(earlier.model) (line \(earlier.line))")
                }
                seenProductIDs[productID] = (model.entry.id, line(model.productIDNode))
            }
            models.append(model.entry)
        }
        return models
    }

    /// A parsed model and the nodes the cross-model checks point at.
    private struct ParsedModel {
        let entry: ModelEntry
        let idNode: Node
        let nameNodes: [Node]
        let productIDNode: Node
    }

    private func parseModel(_ node: Node, index: Int, sources: [CatalogueSource]) throws(CatalogueError) -> ParsedModel {
        let bare = "models[\(index)]"
        let fields = try mapping(node, bare)
        // The id first, so that every later message can name the model.
        let idNode = try require(fields, "id", bare)
        let id = try string(idNode, "\(bare).id")
        let path = "\(bare) (\(id))"
        if ModelName.strippingLowEnergyPrefix(id) != nil {
            throw fail(idNode, "\(path).id: must not start with '\(ModelName.lowEnergyPrefix)' (that prefix marks the LE twin)")
        }
        try checkKeys(
            fields, path: path,
            required: ["id", "names", "product_id", "generation", "form_factor", "identity_source", "pairing", "resets"],
            optional: ["model_number", "product_id_note", "notes"]
        )

        let namesNode = try require(fields, "names", path)
        let nameNodes = try sequence(namesNode, "\(path).names")
        guard !nameNodes.isEmpty else { throw fail(namesNode, "\(path).names: at least one name is required") }
        var names: [String] = []
        for nameNode in nameNodes {
            let name = try string(nameNode, "\(path).names")
            if ModelName.strippingLowEnergyPrefix(name) != nil {
                throw fail(nameNode, "\(path).names: '\(name)' starts with '\(ModelName.lowEnergyPrefix)'; list the classic name only, the LE twin's name is derived from it")
            }
            if names.contains(where: { ModelName.key($0) == ModelName.key(name) }) {
                throw fail(nameNode, "\(path).names: '\(name)' is listed twice")
            }
            names.append(name)
        }

        let productIDNode = try require(fields, "product_id", path)
        let productID = try self.productID(productIDNode, "\(path).product_id")
        let productIDNote = try optionalString(fields, "product_id_note", path)
        if productID == nil, productIDNote == nil {
            throw fail(productIDNode, "\(path).product_id: null needs a product_id_note saying why the product id is unknown")
        }
        if productID != nil, let noteNode = fields.value("product_id_note") {
            throw fail(noteNode, "\(path).product_id_note: only for a model whose product_id is null")
        }

        let generationNode = try require(fields, "generation", path)
        let generationName = try string(generationNode, "\(path).generation")
        guard let generation = ProtocolGeneration(rawValue: generationName) else {
            throw fail(generationNode, "\(path).generation: unknown generation '\(generationName)' (expected \(choices(ProtocolGeneration.allCases.map(\.rawValue))))")
        }

        let formNode = try require(fields, "form_factor", path)
        let formName = try string(formNode, "\(path).form_factor")
        guard let formFactor = FormFactor(rawValue: formName) else {
            throw fail(formNode, "\(path).form_factor: unknown form factor '\(formName)' (expected \(choices(FormFactor.allCases.map(\.rawValue))))")
        }

        let identitySource = try sourceReference(
            try require(fields, "identity_source", path), "\(path).identity_source",
            sources: sources, mustBeArticle: false
        )
        let pairing = try guidance(try require(fields, "pairing", path), "\(path).pairing", sources: sources)

        let resetsNode = try require(fields, "resets", path)
        var resets: [ResetProcedure] = []
        for (_, keyNode, value) in try mapping(resetsNode, "\(path).resets").entries {
            let tier = try tierName(keyNode, "\(path).resets")
            resets.append(ResetProcedure(
                tier: tier,
                guidance: try guidance(value, "\(path).resets.\(tier.rawValue)", sources: sources)
            ))
        }
        try requireEveryTier(
            present: resets.map(\.tier), in: fields.keyNode("resets") ?? resetsNode, path: "\(path).resets",
            hint: " (write `known: false` with a note when no procedure is known)"
        )

        var notes: [CatalogueNote] = []
        if let notesNode = fields.value("notes") {
            for noteNode in try sequence(notesNode, "\(path).notes") {
                let notePath = "\(path).notes"
                let noteFields = try mapping(noteNode, notePath)
                try checkKeys(noteFields, path: notePath, required: ["text", "source"], optional: [])
                notes.append(CatalogueNote(
                    text: try string(try require(noteFields, "text", notePath), "\(notePath).text"),
                    source: try sourceReference(try require(noteFields, "source", notePath), "\(notePath).source", sources: sources, mustBeArticle: false)
                ))
            }
        }

        let entry = ModelEntry(
            id: id,
            names: names,
            modelNumber: try optionalString(fields, "model_number", path),
            productID: productID,
            productIDNote: productIDNote,
            generation: generation,
            formFactor: formFactor,
            identitySource: identitySource,
            pairing: pairing,
            resets: resets,
            notes: notes
        )
        return ParsedModel(entry: entry, idNode: idNode, nameNodes: nameNodes, productIDNode: productIDNode)
    }

    /// A `known: true` procedure or a `known: false` note. Procedures must cite a reference
    /// article: that is the rule that keeps invented steps out of the catalogue.
    private func guidance(_ node: Node, _ path: String, sources: [CatalogueSource]) throws(CatalogueError) -> Guidance {
        let fields = try mapping(node, path)
        let knownNode = try require(fields, "known", path)
        guard try boolean(knownNode, "\(path).known") else {
            try checkKeys(fields, path: path, required: ["known", "note"], optional: [], context: " when known is false")
            return .unknown(note: try string(try require(fields, "note", path), "\(path).note"))
        }
        try checkKeys(
            fields, path: path,
            required: ["known", "source", "steps"],
            optional: ["hold_seconds", "confirmation", "takes", "keeps", "wipes", "warnings", "caveats"],
            context: " when known is true"
        )
        let source = try sourceReference(try require(fields, "source", path), "\(path).source", sources: sources, mustBeArticle: true)
        let stepsNode = try require(fields, "steps", path)
        let steps = try stringList(stepsNode, "\(path).steps")
        guard !steps.isEmpty else { throw fail(stepsNode, "\(path).steps: a known procedure needs at least one step") }
        var holdSeconds: Int?
        if let holdNode = fields.value("hold_seconds") {
            let seconds = try integer(holdNode, "\(path).hold_seconds")
            guard seconds > 0 else { throw fail(holdNode, "\(path).hold_seconds: must be a positive number of seconds") }
            holdSeconds = seconds
        }
        return .known(Procedure(
            steps: steps,
            holdSeconds: holdSeconds,
            confirmation: try optionalString(fields, "confirmation", path),
            takes: try optionalString(fields, "takes", path),
            keeps: try optionalStringList(fields, "keeps", path),
            wipes: try optionalStringList(fields, "wipes", path),
            warnings: try optionalStringList(fields, "warnings", path) ?? [],
            caveats: try optionalStringList(fields, "caveats", path) ?? [],
            source: source
        ))
    }

    // MARK: - Field helpers

    /// A mapping's entries by key, in file order, with the key nodes kept for their lines.
    struct Fields {
        let node: Node
        let entries: [(key: String, keyNode: Node, value: Node)]

        func value(_ key: String) -> Node? {
            entries.first { $0.key == key }?.value
        }

        func keyNode(_ key: String) -> Node? {
            entries.first { $0.key == key }?.keyNode
        }
    }

    private func mapping(_ node: Node, _ path: String) throws(CatalogueError) -> Fields {
        guard case .mapping(let mapping) = node else {
            throw fail(node, "\(path): expected a mapping (key: value lines), found \(kind(of: node))")
        }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            entries.append((try keyString(keyNode, path), keyNode, value))
        }
        return Fields(node: node, entries: entries)
    }

    private func sequence(_ node: Node, _ path: String) throws(CatalogueError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw fail(node, "\(path): expected a list, found \(kind(of: node))")
        }
        return Array(sequence)
    }

    private func keyString(_ node: Node, _ path: String) throws(CatalogueError) -> String {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            throw fail(node, "\(path): keys must be plain words")
        }
        return scalar.string
    }

    private func checkKeys(
        _ fields: Fields, path: String, required: [String], optional: [String], context: String = ""
    ) throws(CatalogueError) {
        for entry in fields.entries where !required.contains(entry.key) && !optional.contains(entry.key) {
            throw fail(entry.keyNode, "\(path): unknown key '\(entry.key)'\(context) (allowed: \(choices(required + optional)))")
        }
        for key in required where fields.value(key) == nil {
            throw fail(fields.node, "\(path): missing required key '\(key)'\(context)")
        }
    }

    private func require(_ fields: Fields, _ key: String, _ path: String) throws(CatalogueError) -> Node {
        guard let value = fields.value(key) else {
            throw fail(fields.node, "\(path): missing required key '\(key)'")
        }
        return value
    }

    /// A non-empty scalar. Anything YAML would read as null (`~`, `null`, nothing) is refused
    /// rather than turned into the text "null".
    private func string(_ node: Node, _ path: String) throws(CatalogueError) -> String {
        guard case .scalar(let scalar) = node else {
            throw fail(node, "\(path): expected text, found \(kind(of: node))")
        }
        guard !isNull(node), !scalar.string.allSatisfy(\.isWhitespace) else {
            throw fail(node, "\(path): must not be empty")
        }
        return scalar.string
    }

    private func optionalString(_ fields: Fields, _ key: String, _ path: String) throws(CatalogueError) -> String? {
        guard let node = fields.value(key) else { return nil }
        return try string(node, "\(path).\(key)")
    }

    private func stringList(_ node: Node, _ path: String) throws(CatalogueError) -> [String] {
        var strings: [String] = []
        for item in try sequence(node, path) {
            strings.append(try string(item, path))
        }
        return strings
    }

    private func optionalStringList(_ fields: Fields, _ key: String, _ path: String) throws(CatalogueError) -> [String]? {
        guard let node = fields.value(key) else { return nil }
        return try stringList(node, "\(path).\(key)")
    }

    private func boolean(_ node: Node, _ path: String) throws(CatalogueError) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else {
            throw fail(node, "\(path): must be true or false")
        }
        switch scalar.string {
        case "true": return true
        case "false": return false
        default: throw fail(node, "\(path): must be true or false, not '\(scalar.string)'")
        }
    }

    private func integer(_ node: Node, _ path: String) throws(CatalogueError) -> Int {
        guard case .scalar(let scalar) = node, scalar.style == .plain,
              scalar.string.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int(scalar.string) else {
            throw fail(node, "\(path): must be a whole number")
        }
        return value
    }

    /// Four hex digits, or null for "unknown". Quoted or not: an unquoted `0D58` is still the
    /// text "0D58" to us, because we read the scalar's text and ignore YAML's guess at a type.
    private func productID(_ node: Node, _ path: String) throws(CatalogueError) -> UInt16? {
        guard case .scalar(let scalar) = node else {
            throw fail(node, "\(path): expected 4 hex digits or null, found \(kind(of: node))")
        }
        if isNull(node) { return nil }
        guard let value = HexDigits.parseFour(scalar.string) else {
            throw fail(node, "\(path): '\(scalar.string)' is not 4 hex digits (write the Modalias p field, e.g. \"0D58\")")
        }
        return value
    }

    private func tierName(_ keyNode: Node, _ path: String) throws(CatalogueError) -> ResetTier {
        let name = try keyString(keyNode, path)
        guard let tier = ResetTier(rawValue: name) else {
            throw fail(keyNode, "\(path): unknown tier '\(name)' (expected \(choices(ResetTier.allCases.map(\.rawValue))))")
        }
        return tier
    }

    private func requireEveryTier(present: [ResetTier], in node: Node, path: String, hint: String = "") throws(CatalogueError) {
        for tier in ResetTier.allCases where !present.contains(tier) {
            throw fail(node, "\(path): missing tier '\(tier.rawValue)'\(hint)")
        }
    }

    private func sourceReference(
        _ node: Node, _ path: String, sources: [CatalogueSource], mustBeArticle: Bool
    ) throws(CatalogueError) -> String {
        let id = try string(node, path)
        guard let source = sources.first(where: { $0.id == id }) else {
            throw fail(node, "\(path): unknown source '\(id)' (declared: \(choices(sources.map(\.id))))")
        }
        if mustBeArticle, source.kind != .referenceArticle {
            throw fail(node, "\(path): '\(id)' is \(source.kind.rawValue), but a procedure must come from a reference-article source")
        }
        return id
    }

    // MARK: - Errors

    private func isNull(_ node: Node) -> Bool {
        node.isNull
    }

    private func line(_ node: Node) -> Int {
        node.mark?.line ?? 0
    }

    private func fail(_ node: Node, _ reason: String) -> CatalogueError {
        CatalogueError(file: file, line: line(node), reason: reason)
    }

    private func kind(of node: Node) -> String {
        switch node {
        case .scalar: isNull(node) ? "nothing" : "text"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    private func choices(_ names: [String]) -> String {
        names.joined(separator: ", ")
    }
}
