import ArgumentParser
import SonyCLIOutput
import SonyCore

struct Models: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the models in the catalogue and which procedures it knows for each (no daemon needed).")

    @OptionGroup var catalogue: CatalogueOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Session(output).run { session in
            let models = try catalogue.load()
            if session.json {
                Console.out(JSON.object(["models": .array(models.models.map { m in
                    var known: [(String, JSON)] = [("pairing", .bool(m.pairing.isKnown))]
                    known += ResetTier.allCases.map { ($0.rawValue, .bool(m.reset($0).guidance.isKnown)) }
                    return .object(GuideText.modelJSON(m) + [("known", .object(known))])
                })]).text)
                return .success
            }
            let t = session.terminal
            let yes = Table.Cell(t.mark("✓", or: "yes"), .green), no = Table.Cell(t.mark("–", or: "-"), .dim)
            var table = Table(["MODEL", "PRODUCT", "PROTOCOL", "FORM", "PAIRING", "SOFT", "NETWORK", "FACTORY", "RECOVERY"])
            for m in models.models {
                let marks = [m.pairing.isKnown] + ResetTier.allCases.map { m.reset($0).guidance.isKnown }
                table.add([.init(m.id), .init(m.productIDHex ?? "–"), .init(m.generation.rawValue), .init(m.formFactor.rawValue)]
                    + marks.map { $0 ? yes : no })
            }
            table.lines(on: t).forEach(Console.out)
            Console.out("")
            Console.out("`sonyctl guide MODEL` shows the steps; the catalogue never makes one up, so many are not known yet.")
            return .success
        }
    }
}
