/// What a reset tier means in general, as the reference article defines it.
///
/// Kept apart from the per-model procedures because the article describes what each tier
/// keeps and wipes once, for all models; a model's procedure overrides it only where its
/// own source says something different.
public struct TierDescription: Sendable, Hashable {
    public let tier: ResetTier
    public let summary: String
    /// What survives; `nil` when the source does not say.
    public let keeps: [String]?
    /// What is erased; `nil` when the source does not say.
    public let wipes: [String]?
    /// Where the source contradicts itself or is doubtful.
    public let caveats: [String]
    /// The id of the catalogue source.
    public let source: String

    public init(
        tier: ResetTier,
        summary: String,
        keeps: [String]?,
        wipes: [String]?,
        caveats: [String],
        source: String
    ) {
        self.tier = tier
        self.summary = summary
        self.keeps = keeps
        self.wipes = wipes
        self.caveats = caveats
        self.source = source
    }
}
