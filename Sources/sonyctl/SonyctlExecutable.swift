import SonyCLIOutput

/// The front users run: `list` and `list --json` answered here, everything
/// else exec'd to `sonyctl-cli` (see `Front`). Links no parser and no
/// Foundation, so that `list` starts as small as the platform allows.
@main
enum SonyctlExecutable {
    static func main() {
        Front.main()
    }
}
