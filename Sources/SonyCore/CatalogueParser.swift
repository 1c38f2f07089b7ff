/// Turns catalogue YAML into a `ModelCatalogue`, or into the first problem found with its
/// line number (the rules of reading are `YAMLReader`'s; the catalogue's schema is here).
struct CatalogueParser {
    let reader: YAMLReader

    init(file: String) { reader = YAMLReader(file: file) }

    /// The schema version this parser understands.
    static let schemaVersion = 1

    func parse(_ yaml: String) throws(DataFileError) -> ModelCatalogue {
        let root = try reader.compose(yaml, what: "the catalogue")

        let top = try reader.mapping(root, "the catalogue")
        try reader.checkKeys(top, path: "the catalogue", required: ["schema", "sources", "tiers", "models"], optional: [])

        let schemaNode = try reader.require(top, "schema", "the catalogue")
        let schema = try reader.integer(schemaNode, "schema")
        guard schema == Self.schemaVersion else {
            throw reader.fail(schemaNode, "schema: version \(schema) is not supported (expected \(Self.schemaVersion))")
        }

        let sources = try parseSources(try reader.require(top, "sources", "the catalogue"))
        let tiers = try parseTiers(try reader.require(top, "tiers", "the catalogue"), key: top.keyNode("tiers"), sources: sources)
        let models = try parseModels(try reader.require(top, "models", "the catalogue"), sources: sources)
        return ModelCatalogue(schemaVersion: schema, models: models, sources: sources, tiers: tiers)
    }

    // MARK: - Sections

    private func parseSources(_ node: Node) throws(DataFileError) -> [CatalogueSource] {
        let entries = try reader.mapping(node, "sources").entries
        guard !entries.isEmpty else { throw reader.fail(node, "sources: at least one source is required") }
        var sources: [CatalogueSource] = []
        for (id, _, value) in entries {
            let path = "sources.\(id)"
            let fields = try reader.mapping(value, path)
            try reader.checkKeys(fields, path: path, required: ["kind", "title"], optional: ["file", "reliability"])
            let kindNode = try reader.require(fields, "kind", path)
            let kindName = try reader.string(kindNode, "\(path).kind")
            guard let kind = CatalogueSource.Kind(rawValue: kindName) else {
                throw reader.fail(kindNode, "\(path).kind: unknown kind '\(kindName)' (expected \(reader.choices(CatalogueSource.Kind.allCases.map(\.rawValue))))")
            }
            sources.append(CatalogueSource(
                id: id,
                kind: kind,
                title: try reader.string(try reader.require(fields, "title", path), "\(path).title"),
                file: try reader.optionalString(fields, "file", path),
                reliability: try reader.optionalString(fields, "reliability", path)
            ))
        }
        return sources
    }

    /// `key` is the `tiers:` key, where a missing tier is reported: the line a reader looks
    /// at, rather than the first tier's.
    private func parseTiers(_ node: Node, key: Node?, sources: [CatalogueSource]) throws(DataFileError) -> [TierDescription] {
        var tiers: [TierDescription] = []
        for (_, keyNode, value) in try reader.mapping(node, "tiers").entries {
            let tier = try tierName(keyNode, "tiers")
            let path = "tiers.\(tier.rawValue)"
            let fields = try reader.mapping(value, path)
            try reader.checkKeys(fields, path: path, required: ["summary", "source"], optional: ["keeps", "wipes", "caveats"])
            tiers.append(TierDescription(
                tier: tier,
                summary: try reader.string(try reader.require(fields, "summary", path), "\(path).summary"),
                keeps: try reader.optionalStringList(fields, "keeps", path),
                wipes: try reader.optionalStringList(fields, "wipes", path),
                caveats: try reader.optionalStringList(fields, "caveats", path) ?? [],
                source: try sourceReference(try reader.require(fields, "source", path), "\(path).source", sources: sources, mustBeArticle: false)
            ))
        }
        try requireEveryTier(present: tiers.map(\.tier), in: key ?? node, path: "tiers")
        return tiers
    }

    private func parseModels(_ node: Node, sources: [CatalogueSource]) throws(DataFileError) -> [ModelEntry] {
        let items = try reader.sequence(node, "models")
        guard !items.isEmpty else { throw reader.fail(node, "models: at least one model is required") }

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
                throw reader.fail(model.idNode, "\(path).id: '\(model.entry.id)' is already the id of the model at line \(earlier.line)")
            }
            if let earlier = seenNames[ModelName.key(model.entry.id)], earlier.model != model.entry.id {
                throw reader.fail(model.idNode, "\(path).id: '\(model.entry.id)' is already a name of \(earlier.model) (line \(earlier.line))")
            }
            seenIDs[ModelName.key(model.entry.id)] = (model.entry.id, reader.line(model.idNode))

            for (name, nameNode) in zip(model.entry.names, model.nameNodes) {
                if let earlier = seenNames[ModelName.key(name)] {
                    throw reader.fail(nameNode, "\(path).names: '\(name)' is already a name of \(earlier.model) (line \(earlier.line))")
                }
                if let earlier = seenIDs[ModelName.key(name)], earlier.model != model.entry.id {
                    throw reader.fail(nameNode, "\(path).names: '\(name)' is already the id of the model at line \(earlier.line)")
                }
                seenNames[ModelName.key(name)] = (model.entry.id, reader.line(nameNode))
            }

            if let productID = model.entry.productID {
                if let earlier = seenProductIDs[productID] {
                    throw reader.fail(model.productIDNode, "\(path).product_id: \(HexDigits.four(productID)) is already the product id of \(earlier.model) (line \(earlier.line))")
                }
                seenProductIDs[productID] = (model.entry.id, reader.line(model.productIDNode))
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

    private func parseModel(_ node: Node, index: Int, sources: [CatalogueSource]) throws(DataFileError) -> ParsedModel {
        let bare = "models[\(index)]"
        let fields = try reader.mapping(node, bare)
        // The id first, so that every later message can name the model.
        let idNode = try reader.require(fields, "id", bare)
        let id = try reader.string(idNode, "\(bare).id")
        let path = "\(bare) (\(id))"
        if ModelName.strippingLowEnergyPrefix(id) != nil {
            throw reader.fail(idNode, "\(path).id: must not start with '\(ModelName.lowEnergyPrefix)' (that prefix marks the LE twin)")
        }
        try reader.checkKeys(
            fields, path: path,
            required: ["id", "names", "product_id", "generation", "form_factor", "identity_source", "pairing", "resets"],
            optional: ["model_number", "product_id_note", "notes"]
        )

        let namesNode = try reader.require(fields, "names", path)
        let nameNodes = try reader.sequence(namesNode, "\(path).names")
        guard !nameNodes.isEmpty else { throw reader.fail(namesNode, "\(path).names: at least one name is required") }
        var names: [String] = []
        for nameNode in nameNodes {
            let name = try reader.string(nameNode, "\(path).names")
            if ModelName.strippingLowEnergyPrefix(name) != nil {
                throw reader.fail(nameNode, "\(path).names: '\(name)' starts with '\(ModelName.lowEnergyPrefix)'; list the classic name only, the LE twin's name is derived from it")
            }
            if names.contains(where: { ModelName.key($0) == ModelName.key(name) }) {
                throw reader.fail(nameNode, "\(path).names: '\(name)' is listed twice")
            }
            names.append(name)
        }

        let productIDNode = try reader.require(fields, "product_id", path)
        let productID = try self.productID(productIDNode, "\(path).product_id")
        let productIDNote = try reader.optionalString(fields, "product_id_note", path)
        if productID == nil, productIDNote == nil {
            throw reader.fail(productIDNode, "\(path).product_id: null needs a product_id_note saying why the product id is unknown")
        }
        if productID != nil, let noteNode = fields.value("product_id_note") {
            throw reader.fail(noteNode, "\(path).product_id_note: only for a model whose product_id is null")
        }

        let generationNode = try reader.require(fields, "generation", path)
        let generationName = try reader.string(generationNode, "\(path).generation")
        guard let generation = ProtocolGeneration(rawValue: generationName) else {
            throw reader.fail(generationNode, "\(path).generation: unknown generation '\(generationName)' (expected \(reader.choices(ProtocolGeneration.allCases.map(\.rawValue))))")
        }

        let formNode = try reader.require(fields, "form_factor", path)
        let formName = try reader.string(formNode, "\(path).form_factor")
        guard let formFactor = FormFactor(rawValue: formName) else {
            throw reader.fail(formNode, "\(path).form_factor: unknown form factor '\(formName)' (expected \(reader.choices(FormFactor.allCases.map(\.rawValue))))")
        }

        let identitySource = try sourceReference(
            try reader.require(fields, "identity_source", path), "\(path).identity_source",
            sources: sources, mustBeArticle: false
        )
        let pairing = try guidance(try reader.require(fields, "pairing", path), "\(path).pairing", sources: sources)

        let resetsNode = try reader.require(fields, "resets", path)
        var resets: [ResetProcedure] = []
        for (_, keyNode, value) in try reader.mapping(resetsNode, "\(path).resets").entries {
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
            for noteNode in try reader.sequence(notesNode, "\(path).notes") {
                let notePath = "\(path).notes"
                let noteFields = try reader.mapping(noteNode, notePath)
                try reader.checkKeys(noteFields, path: notePath, required: ["text", "source"], optional: [])
                notes.append(CatalogueNote(
                    text: try reader.string(try reader.require(noteFields, "text", notePath), "\(notePath).text"),
                    source: try sourceReference(try reader.require(noteFields, "source", notePath), "\(notePath).source", sources: sources, mustBeArticle: false)
                ))
            }
        }

        let entry = ModelEntry(
            id: id,
            names: names,
            modelNumber: try reader.optionalString(fields, "model_number", path),
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
    private func guidance(_ node: Node, _ path: String, sources: [CatalogueSource]) throws(DataFileError) -> Guidance {
        let fields = try reader.mapping(node, path)
        let knownNode = try reader.require(fields, "known", path)
        guard try reader.boolean(knownNode, "\(path).known") else {
            try reader.checkKeys(fields, path: path, required: ["known", "note"], optional: [], context: " when known is false")
            return .unknown(note: try reader.string(try reader.require(fields, "note", path), "\(path).note"))
        }
        try reader.checkKeys(
            fields, path: path,
            required: ["known", "source", "steps"],
            optional: ["hold_seconds", "confirmation", "takes", "keeps", "wipes", "warnings", "caveats"],
            context: " when known is true"
        )
        let source = try sourceReference(try reader.require(fields, "source", path), "\(path).source", sources: sources, mustBeArticle: true)
        let stepsNode = try reader.require(fields, "steps", path)
        let steps = try reader.stringList(stepsNode, "\(path).steps")
        guard !steps.isEmpty else { throw reader.fail(stepsNode, "\(path).steps: a known procedure needs at least one step") }
        var holdSeconds: Int?
        if let holdNode = fields.value("hold_seconds") {
            let seconds = try reader.integer(holdNode, "\(path).hold_seconds")
            guard seconds > 0 else { throw reader.fail(holdNode, "\(path).hold_seconds: must be a positive number of seconds") }
            holdSeconds = seconds
        }
        return .known(Procedure(
            steps: steps,
            holdSeconds: holdSeconds,
            confirmation: try reader.optionalString(fields, "confirmation", path),
            takes: try reader.optionalString(fields, "takes", path),
            keeps: try reader.optionalStringList(fields, "keeps", path),
            wipes: try reader.optionalStringList(fields, "wipes", path),
            warnings: try reader.optionalStringList(fields, "warnings", path) ?? [],
            caveats: try reader.optionalStringList(fields, "caveats", path) ?? [],
            source: source
        ))
    }

    private func productID(_ node: Node, _ path: String) throws(DataFileError) -> UInt16? {
        guard case .scalar(let scalar) = node else {
            throw reader.fail(node, "\(path): expected 4 hex digits or null, found \(reader.kind(of: node))")
        }
        if reader.isNull(node) { return nil }
        guard let value = HexDigits.parseFour(scalar.string) else {
            throw reader.fail(node, "\(path): '\(scalar.string)' is not 4 hex digits (write the Modalias p field, e.g. \"0D58\")")
        }
        return value
    }

    private func tierName(_ keyNode: Node, _ path: String) throws(DataFileError) -> ResetTier {
        let name = try reader.keyString(keyNode, path)
        guard let tier = ResetTier(rawValue: name) else {
            throw reader.fail(keyNode, "\(path): unknown tier '\(name)' (expected \(reader.choices(ResetTier.allCases.map(\.rawValue))))")
        }
        return tier
    }

    private func requireEveryTier(present: [ResetTier], in node: Node, path: String, hint: String = "") throws(DataFileError) {
        for tier in ResetTier.allCases where !present.contains(tier) {
            throw reader.fail(node, "\(path): missing tier '\(tier.rawValue)'\(hint)")
        }
    }

    private func sourceReference(
        _ node: Node, _ path: String, sources: [CatalogueSource], mustBeArticle: Bool
    ) throws(DataFileError) -> String {
        let id = try reader.string(node, path)
        guard let source = sources.first(where: { $0.id == id }) else {
            throw reader.fail(node, "\(path): unknown source '\(id)' (declared: \(reader.choices(sources.map(\.id))))")
        }
        if mustBeArticle, source.kind != .referenceArticle {
            throw reader.fail(node, "\(path): '\(id)' is \(source.kind.rawValue), but a procedure must come from a reference-article source")
        }
        return id
    }
}
