/// Where a catalogue fact comes from, so that every procedure shown to a user can name it.
public struct CatalogueSource: Sendable, Hashable {
    /// What kind of document it is; procedures may only cite reference articles.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// One of the articles in `shared/reference/` that give model-by-model procedures.
        case referenceArticle = "reference-article"
        /// The project's research notes (identification facts, not procedures).
        case research
    }

    /// The key used by `source:` fields.
    public let id: String
    public let kind: Kind
    public let title: String
    /// The file the project was given, if recorded.
    public let file: String?
    /// What to be careful about when relying on it.
    public let reliability: String?

    public init(id: String, kind: Kind, title: String, file: String?, reliability: String?) {
        self.id = id
        self.kind = kind
        self.title = title
        self.file = file
        self.reliability = reliability
    }
}
