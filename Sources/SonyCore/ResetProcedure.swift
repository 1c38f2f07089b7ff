/// One reset tier of one model: the tier and what the catalogue knows about doing it.
public struct ResetProcedure: Sendable, Hashable {
    public let tier: ResetTier
    public let guidance: Guidance

    public init(tier: ResetTier, guidance: Guidance) {
        self.tier = tier
        self.guidance = guidance
    }
}
