/// A composed YAML node with the line it starts on: the little of YAML the
/// catalogue needs (mappings, lists, text), read by libyaml.
///
/// SonyCore reads the catalogue with libyaml directly rather than through
/// Yams, whose Swift layer brings in Foundation: linked into `sonyctl`, that
/// alone took its resident memory from about 6 MB to 14 MB.
enum YAMLNode: Sendable {
    case scalar(Scalar)
    case mapping(Mapping)
    case sequence(Sequence)
    /// `*name`; the catalogue has no use for anchors and refuses them.
    case alias(Mark)

    struct Mark: Sendable, Hashable {
        /// 1-based.
        let line: Int
        let column: Int
    }

    struct Scalar: Sendable {
        enum Style: Sendable { case plain, singleQuoted, doubleQuoted, literal, folded }
        let string: String
        let style: Style
        /// YAML 1.1's null: a plain, untagged `~`, `null`, `Null`, `NULL` or nothing, or `!!null`.
        let isNull: Bool
        let mark: Mark
    }

    struct Mapping: Swift.Sequence, Sendable {
        let pairs: [(YAMLNode, YAMLNode)]
        let mark: Mark
        func makeIterator() -> IndexingIterator<[(YAMLNode, YAMLNode)]> { pairs.makeIterator() }
    }

    struct Sequence: Swift.Sequence, Sendable {
        let items: [YAMLNode]
        let mark: Mark
        func makeIterator() -> IndexingIterator<[YAMLNode]> { items.makeIterator() }
    }

    var mark: Mark? {
        switch self {
        case .scalar(let s): s.mark
        case .mapping(let m): m.mark
        case .sequence(let s): s.mark
        case .alias(let mark): mark
        }
    }

    var isNull: Bool {
        if case .scalar(let s) = self { return s.isNull }
        return false
    }

    /// The text of a scalar, for comparing keys.
    var text: String? {
        if case .scalar(let s) = self { return s.string }
        return nil
    }
}

/// What the data file readers walk.
typealias Node = YAMLNode

/// Why libyaml refused the text: its own words and where.
struct YAMLError: Error, Sendable, Equatable {
    /// 1-based; 0 when the problem is not on a line (bad encoding).
    let line: Int
    let problem: String
}
