import ArgumentParser
import SonyCLIOutput
import SonyCore

/// `--catalogue`, for the commands that read the model catalogue themselves
/// (`guide`, `models`) and so work without the daemon.
struct CatalogueOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The model catalogue (default: the one installed with sonyctl).", valueName: "path"))
    var catalogue: String?

    func load() throws(Failure) -> ModelCatalogue {
        do {
            return try ModelCatalogue.load(contentsOf: try catalogue ?? ModelCatalogue.locate(near: "/proc/self/exe"))
        } catch {
            throw Failure(
                status: .catalogueUnavailable, kind: "catalogue-unavailable", message: "cannot read the model catalogue: \(error)",
                hints: ["Reinstall sonyctl (`make install`), or name one with --catalogue PATH."])
        }
    }
}
