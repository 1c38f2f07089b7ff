import SonyCLI

/// Only wiring: everything lives in SonyCLI, where the tests can reach it.
@main
enum SonyctlExecutable {
    static func main() {
        SonyctlMain.main()
    }
}
