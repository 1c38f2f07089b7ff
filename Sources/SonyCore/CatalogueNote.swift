/// A model-wide remark (a failure sign, a doubt) with the source it comes from.
public struct CatalogueNote: Sendable, Hashable {
    public let text: String
    /// The id of the catalogue source.
    public let source: String

    public init(text: String, source: String) {
        self.text = text
        self.source = source
    }
}
