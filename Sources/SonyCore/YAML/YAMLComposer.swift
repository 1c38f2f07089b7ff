internal import CYAML

/// Builds `YAMLNode`s from libyaml's events, without recursion, refusing a
/// mapping that repeats a key and collections nested deeper than `maxDepth`.
enum YAMLComposer {
    /// Far deeper than any data file sonyctl reads (the catalogue nests six
    /// levels), and shallow enough that no input can exhaust the stack: building
    /// the tree needs no recursion, but freeing it does, one level per collection.
    static let maxDepth = 256

    /// The first document of `text`, nil when there is none.
    static func compose(_ text: String) throws(YAMLError) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw YAMLError(line: 0, problem: "out of memory") }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        // libyaml puts the end of the stream, and so what is missing there, on the
        // line after a last line without a break: a line the file does not have.
        let lastLine = lastLine(of: bytes)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLError) -> YAMLNode? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return try run(&parser, lastLine: lastLine)
        }
    }

    /// The number of the last line an editor shows (the one after the last break
    /// too), counting breaks as libyaml does: LF, CR, CR LF, NEL, LS and PS.
    static func lastLine(of bytes: [UInt8]) -> Int {
        var lines = 1
        var index = 0
        while index < bytes.count {
            let rest = bytes[index...]
            let breakLength: Int
            if rest.starts(with: [0x0D, 0x0A]) || rest.starts(with: [0xC2, 0x85]) {
                breakLength = 2
            } else if rest.first == 0x0A || rest.first == 0x0D {
                breakLength = 1
            } else if rest.starts(with: [0xE2, 0x80, 0xA8]) || rest.starts(with: [0xE2, 0x80, 0xA9]) {
                breakLength = 3
            } else {
                breakLength = 0
            }
            lines += breakLength > 0 ? 1 : 0
            index += max(breakLength, 1)
        }
        return lines
    }

    /// A collection being filled: its start mark and what it holds so far.
    private enum Open {
        case mapping(YAMLNode.Mark, [YAMLNode])
        case sequence(YAMLNode.Mark, [YAMLNode])
    }

    private static func run(_ parser: inout yaml_parser_t, lastLine: Int) throws(YAMLError) -> YAMLNode? {
        var stack: [Open] = []
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else { throw error(parser, lastLine: lastLine) }
            defer { yaml_event_delete(&event) }
            let mark = YAMLNode.Mark(line: min(Int(event.start_mark.line) + 1, lastLine), column: Int(event.start_mark.column) + 1)
            var finished: YAMLNode?
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return nil
            case YAML_MAPPING_START_EVENT, YAML_SEQUENCE_START_EVENT:
                guard stack.count < maxDepth else {
                    throw YAMLError(line: mark.line, problem: "collections nested deeper than \(maxDepth) levels")
                }
                stack.append(event.type == YAML_MAPPING_START_EVENT ? .mapping(mark, []) : .sequence(mark, []))
            case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT:
                switch stack.popLast() {
                case .mapping(let start, let nodes)?: finished = .mapping(try mapping(nodes, start))
                case .sequence(let start, let nodes)?: finished = .sequence(.init(items: nodes, mark: start))
                case nil: throw YAMLError(line: mark.line, problem: "unbalanced collection")
                }
            case YAML_SCALAR_EVENT:
                finished = .scalar(scalar(event, mark))
            case YAML_ALIAS_EVENT:
                finished = .alias(mark)
            default:
                // Stream and document starts, document ends: structure only.
                continue
            }
            guard let node = finished else { continue }
            switch stack.popLast() {
            case .mapping(let start, var nodes)?:
                nodes.append(node)
                stack.append(.mapping(start, nodes))
            case .sequence(let start, var nodes)?:
                nodes.append(node)
                stack.append(.sequence(start, nodes))
            case nil:
                return node
            }
        }
    }

    private static func mapping(_ nodes: [YAMLNode], _ mark: YAMLNode.Mark) throws(YAMLError) -> YAMLNode.Mapping {
        var pairs: [(YAMLNode, YAMLNode)] = []
        var seen: Set<String> = []
        var index = 0
        while index + 1 < nodes.count {
            let key = nodes[index]
            if let text = key.text, !seen.insert(text).inserted {
                // As Yams reported it: at the first of the two.
                let first = pairs.first { $0.0.text == text }?.0.mark?.line ?? mark.line
                throw YAMLError(line: first, problem: "duplicate key '\(text)' in one mapping")
            }
            pairs.append((key, nodes[index + 1]))
            index += 2
        }
        return YAMLNode.Mapping(pairs: pairs, mark: mark)
    }

    private static func scalar(_ event: yaml_event_t, _ mark: YAMLNode.Mark) -> YAMLNode.Scalar {
        let data = event.data.scalar
        let text = data.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: data.length), as: UTF8.self) } ?? ""
        let tag = data.tag.map { String(cString: $0) }
        let style: YAMLNode.Scalar.Style
        switch data.style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: style = .literal
        case YAML_FOLDED_SCALAR_STYLE: style = .folded
        default: style = .plain
        }
        let isNull = tag == "tag:yaml.org,2002:null"
            || (tag == nil && style == .plain && ["", "~", "null", "Null", "NULL"].contains(text))
        return YAMLNode.Scalar(string: text, style: style, isNull: isNull, mark: mark)
    }

    /// libyaml's own words, at its mark, as Yams reported them.
    private static func error(_ parser: yaml_parser_t, lastLine: Int) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unreadable YAML"
        switch parser.error {
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR, YAML_COMPOSER_ERROR:
            return YAMLError(line: min(Int(parser.problem_mark.line) + 1, lastLine), problem: "YAML syntax: " + problem)
        default:
            return YAMLError(line: 0, problem: "YAML: " + problem)
        }
    }
}
