import SonyCLI

/// The full tool, run by the `sonyctl` front (never by users by name): only
/// wiring, everything lives in SonyCLI, where the tests can reach it.
@main
enum FullToolExecutable {
    static func main() {
        SonyctlMain.main()
    }
}
