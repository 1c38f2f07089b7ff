#if canImport(Glibc)
import Glibc
#endif

/// Where output goes and what it may use there, decided once per run.
///
/// Colour only on a terminal and never when `NO_COLOR` is set (no-color.org);
/// live lines (spinners) only on a terminal; plain lines for pipes and files.
package struct Terminal: Sendable {
    /// Standard output is a terminal.
    package var isInteractive: Bool
    /// Standard input is a terminal: a question may be asked.
    package var canAsk: Bool
    package var colour: Bool
    /// Columns, for timelines and wrapping.
    package var width: Int

    package static func current() -> Terminal {
        let interactive = isatty(1) == 1
        let noColour = getenv("NO_COLOR").map { $0.pointee != 0 } ?? false
        let dumb = getenv("TERM").map { String(cString: $0) == "dumb" } ?? false
        return Terminal(
            isInteractive: interactive, canAsk: interactive && isatty(0) == 1,
            colour: interactive && !noColour && !dumb, width: interactive ? columns() : 80)
    }

    private static func columns() -> Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let text = getenv("COLUMNS"), let n = Int(String(cString: text)), n > 0 { return n }
        return 80
    }

    /// A plain terminal for tests and pipes.
    package static let plain = Terminal(isInteractive: false, canAsk: false, colour: false, width: 80)

    package func paint(_ text: String, _ style: Style) -> String {
        guard colour, !text.isEmpty else { return text }
        return "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m"
    }

    /// A symbol on a terminal, a word elsewhere, so that a pipe gets text a
    /// script or a log can search.
    package func mark(_ symbol: String, or word: String) -> String { isInteractive ? symbol : word }
}

/// SGR codes.
package enum Style: String, Sendable {
    case bold = "1"
    case dim = "2"
    case red = "31"
    case green = "32"
    case yellow = "33"
    case cyan = "36"
    case boldRed = "1;31"
    case boldYellow = "1;33"
}
