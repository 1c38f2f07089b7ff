/// Rows of cells aligned in columns under a header, as `list` and `models` print them.
package struct Table {
    package struct Cell {
        package var text: String
        package var style: Style?

        package init(_ text: String, _ style: Style? = nil) {
            self.text = text
            self.style = style
        }
    }

    package var headers: [String]
    package var rows: [[Cell]] = []

    package init(_ headers: [String]) {
        self.headers = headers
    }

    package mutating func add(_ row: [Cell]) { rows.append(row) }

    package func lines(on terminal: Terminal) -> [String] {
        var widths = headers.map(Self.width)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count {
                widths[i] = max(widths[i], Self.width(cell.text))
            }
        }
        func line(_ cells: [Cell]) -> String {
            var parts: [String] = []
            for (i, cell) in cells.enumerated() {
                let last = i == cells.count - 1
                let pad = last ? "" : String(repeating: " ", count: max(0, widths[min(i, widths.count - 1)] - Self.width(cell.text)))
                parts.append((cell.style.map { terminal.paint(cell.text, $0) } ?? cell.text) + pad)
            }
            return parts.joined(separator: "  ")
        }
        return [line(headers.map { Cell($0, .bold) })] + rows.map(line)
    }

    /// Columns a text takes: one per Unicode scalar, which holds for the
    /// names, symbols and box characters printed here.
    package static func width(_ text: String) -> Int { text.unicodeScalars.count }
}
