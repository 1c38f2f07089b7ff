/// Reads YAML data files strictly, so that every refusal names the line to fix.
///
/// It walks the node tree from `YAMLComposer` (libyaml) instead of decoding with `Codable`: a decoder
/// reports a coding path at best, while every node here carries its `Mark`. Unknown keys
/// are errors too, so that a misspelt optional key (`hold_second:`) is not silently
/// ignored. The catalogue and the daemon's configuration share it.
struct YAMLReader {
    /// Labels every error: the path the file was read from, or a name for text.
    let file: String

    /// The document's root node; an empty document is refused as `what` being empty.
    func compose(_ yaml: String, what: String) throws(DataFileError) -> Node {
        guard let root = try composeIfAny(yaml) else {
            throw DataFileError(file: file, line: 1, reason: "\(what) is empty")
        }
        return root
    }

    /// The document's root node, or `nil` for a document with nothing in it (only comments).
    func composeIfAny(_ yaml: String) throws(DataFileError) -> Node? {
        do {
            return try YAMLComposer.compose(yaml)
        } catch {
            throw DataFileError(file: file, line: error.line, reason: error.problem)
        }
    }

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

    func mapping(_ node: Node, _ path: String) throws(DataFileError) -> Fields {
        guard case .mapping(let mapping) = node else {
            throw fail(node, "\(path): expected a mapping (key: value lines), found \(kind(of: node))")
        }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            entries.append((try keyString(keyNode, path), keyNode, value))
        }
        return Fields(node: node, entries: entries)
    }

    func sequence(_ node: Node, _ path: String) throws(DataFileError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw fail(node, "\(path): expected a list, found \(kind(of: node))")
        }
        return Array(sequence)
    }

    func keyString(_ node: Node, _ path: String) throws(DataFileError) -> String {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            throw fail(node, "\(path): keys must be plain words")
        }
        return scalar.string
    }

    func checkKeys(
        _ fields: Fields, path: String, required: [String], optional: [String], context: String = ""
    ) throws(DataFileError) {
        for entry in fields.entries where !required.contains(entry.key) && !optional.contains(entry.key) {
            throw fail(entry.keyNode, "\(path): unknown key '\(entry.key)'\(context) (allowed: \(choices(required + optional)))")
        }
        for key in required where fields.value(key) == nil {
            throw fail(fields.node, "\(path): missing required key '\(key)'\(context)")
        }
    }

    func require(_ fields: Fields, _ key: String, _ path: String) throws(DataFileError) -> Node {
        guard let value = fields.value(key) else {
            throw fail(fields.node, "\(path): missing required key '\(key)'")
        }
        return value
    }

    /// A non-empty scalar. Anything YAML would read as null (`~`, `null`, nothing) is refused
    /// rather than turned into the text "null".
    func string(_ node: Node, _ path: String) throws(DataFileError) -> String {
        guard case .scalar(let scalar) = node else {
            throw fail(node, "\(path): expected text, found \(kind(of: node))")
        }
        guard !isNull(node), !scalar.string.allSatisfy(\.isWhitespace) else {
            throw fail(node, "\(path): must not be empty")
        }
        return scalar.string
    }

    func optionalString(_ fields: Fields, _ key: String, _ path: String) throws(DataFileError) -> String? {
        guard let node = fields.value(key) else { return nil }
        return try string(node, "\(path).\(key)")
    }

    func stringList(_ node: Node, _ path: String) throws(DataFileError) -> [String] {
        var strings: [String] = []
        for item in try sequence(node, path) {
            strings.append(try string(item, path))
        }
        return strings
    }

    func optionalStringList(_ fields: Fields, _ key: String, _ path: String) throws(DataFileError) -> [String]? {
        guard let node = fields.value(key) else { return nil }
        return try stringList(node, "\(path).\(key)")
    }

    func boolean(_ node: Node, _ path: String) throws(DataFileError) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else {
            throw fail(node, "\(path): must be true or false")
        }
        switch scalar.string {
        case "true": return true
        case "false": return false
        default: throw fail(node, "\(path): must be true or false, not '\(scalar.string)'")
        }
    }

    func integer(_ node: Node, _ path: String) throws(DataFileError) -> Int {
        guard case .scalar(let scalar) = node, scalar.style == .plain,
              scalar.string.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int(scalar.string) else {
            throw fail(node, "\(path): must be a whole number")
        }
        return value
    }

    /// A whole number within `range`, which the message states when it is not.
    func integer(_ node: Node, _ path: String, in range: ClosedRange<Int>) throws(DataFileError) -> Int {
        let value = try integer(node, path)
        guard range.contains(value) else {
            throw fail(node, "\(path): must be from \(range.lowerBound) to \(range.upperBound), not \(value)")
        }
        return value
    }

    func isNull(_ node: Node) -> Bool {
        node.isNull
    }

    func line(_ node: Node) -> Int {
        node.mark?.line ?? 0
    }

    func fail(_ node: Node, _ reason: String) -> DataFileError {
        DataFileError(file: file, line: line(node), reason: reason)
    }

    func kind(of node: Node) -> String {
        switch node {
        case .scalar: isNull(node) ? "nothing" : "text"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    func choices(_ names: [String]) -> String {
        names.joined(separator: ", ")
    }
}
