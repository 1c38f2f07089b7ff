/// Breaks text into lines of at most `width` columns at spaces, so that long
/// advice and instructions stay readable on a narrow terminal.
package func wrap(_ text: String, width: Int) -> [String] {
    let limit = max(20, width)
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: true) {
        if !line.isEmpty, Table.width(line) + 1 + Table.width(String(word)) > limit {
            lines.append(line)
            line = ""
        }
        line += (line.isEmpty ? "" : " ") + word
    }
    if !line.isEmpty { lines.append(line) }
    return lines.isEmpty ? [""] : lines
}
