import SonyCore

/// Paths found from this file, so the tests read the real `config/models.yaml` that ships,
/// not a copy that could drift from it.
enum TestPaths {
    /// `…/Tests/SonyCoreTests`
    static let testsDirectory: String = {
        let file = #filePath
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return String(file[..<slash])
    }()

    static let packageRoot = testsDirectory + "/../.."
    static let catalogue = packageRoot + "/config/models.yaml"
    static let fixtures = testsDirectory + "/Fixtures"
}

/// The shipped catalogue, loaded once per use; a failure here fails the calling test.
func shippedCatalogue() throws -> ModelCatalogue {
    try ModelCatalogue.load(contentsOf: TestPaths.catalogue)
}

/// The models DESIGN.md names with their product ids, written out independently of the
/// catalogue so that a wrong id in `config/models.yaml` fails a test.
let designModels: [(id: String, productID: String)] = [
    ("WH-1000XM3", "0CD3"),
    ("WH-1000XM4", "0D58"),
    ("WH-1000XM5", "0DF0"),
    ("WH-1000XM6", "0F8A"),
    ("WF-1000XM3", "0CE0"),
    ("WF-1000XM4", "0DE1"),
    ("WF-1000XM5", "0E63"),
    ("LinkBuds", "0DDF"),
    ("LinkBuds S", "0DF4"),
    ("WH-CH720N", "0EAF"),
    ("WF-C700N", "0EC4"),
]

/// Every model name in DESIGN.md's Name examples, which must be identifiable by name alone.
let designNames = designModels.map(\.id) + ["ULT WEAR"]

let v1UUID = "96CC203E-5068-46AD-B32D-E316F5E069BA"
let v2UUID = "956C7B26-D49A-4BA8-B03F-B17D393CB6E2"
let a2dpSinkUUID = "0000110b-0000-1000-8000-00805f9b34fb"
