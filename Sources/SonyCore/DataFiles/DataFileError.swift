/// Why a data file (the model catalogue, the daemon's configuration) was refused,
/// pointing at the line to fix.
///
/// The description has the compiler's `file:line: reason` shape so that editors and CI
/// logs can jump to the spot.
public struct DataFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file name given to a parser, or the path given to a loader.
    public let file: String
    /// 1-based; 0 when the problem is not on a line (the file could not be read).
    public let line: Int
    public let reason: String

    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)"
    }
}
