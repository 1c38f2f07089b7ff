import ArgumentParser
import SonyCLIOutput
import SonyCore

/// `--tier soft|network|factory|recovery`.
struct TierArgument: ExpressibleByArgument {
    let tier: ResetTier

    init?(argument: String) {
        guard let tier = ResetTier(rawValue: argument) else { return nil }
        self.tier = tier
    }

    static var allValueStrings: [String] { ResetTier.allCases.map(\.rawValue) }
}

struct Guide: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model's pairing-mode steps and reset procedures, from the catalogue (no daemon needed).")

    @Argument(help: "A model, e.g. WH-1000XM4 (`sonyctl models` lists them).")
    var model: String

    @Option(help: "Only this reset tier.")
    var tier: TierArgument?

    @OptionGroup var catalogue: CatalogueOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Session(output).run { session in
            let models = try catalogue.load()
            guard let entry = models.model(id: model) ?? models.model(named: model) else {
                throw Failure.unknownModel(model, known: models.models.map(\.id))
            }
            let tiers = tier.map { [$0.tier] } ?? ResetTier.allCases
            if session.json {
                Console.out(GuideText.json(entry, tiers: tiers, catalogue: models).text)
            } else {
                GuideText.lines(entry, tiers: tiers, pairing: tier == nil, catalogue: models, on: session.terminal).forEach(Console.out)
            }
            return .success
        }
    }
}
