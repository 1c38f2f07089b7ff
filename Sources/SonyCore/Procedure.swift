/// Steps a user follows on the headset itself, exactly as a source gives them.
///
/// Every field but `steps` and `source` may be absent because the sources often leave
/// things out; an absent `keeps`/`wipes` means "the source does not say" (show the tier's
/// general lists instead), which is different from an empty list.
public struct Procedure: Sendable, Hashable {
    /// The button sequence, in order; never empty.
    public let steps: [String]
    /// How long the decisive hold lasts, when the source says.
    public let holdSeconds: Int?
    /// What the user sees or hears when it worked.
    public let confirmation: String?
    /// How long the whole procedure takes, as the source words it.
    public let takes: String?
    /// What survives this procedure on this model, when it differs from the tier's list.
    public let keeps: [String]?
    /// What this procedure erases on this model, when it differs from the tier's list.
    public let wipes: [String]?
    /// What not to do (e.g. holding too long enters a service mode).
    public let warnings: [String]
    /// Doubts about the source's claim, so that a client can show them next to the steps.
    public let caveats: [String]
    /// The id of the catalogue source the steps come from (a reference article).
    public let source: String

    public init(
        steps: [String],
        holdSeconds: Int? = nil,
        confirmation: String? = nil,
        takes: String? = nil,
        keeps: [String]? = nil,
        wipes: [String]? = nil,
        warnings: [String] = [],
        caveats: [String] = [],
        source: String
    ) {
        self.steps = steps
        self.holdSeconds = holdSeconds
        self.confirmation = confirmation
        self.takes = takes
        self.keeps = keeps
        self.wipes = wipes
        self.warnings = warnings
        self.caveats = caveats
        self.source = source
    }
}
