#if canImport(Glibc)
import Glibc
#endif

/// An owned Unix file descriptor carried in a message (`h`).
///
/// Received descriptors are duplicates that belong to us, so this closes the
/// descriptor when the last reference goes away; sending duplicates it again.
public final class UnixFD: Sendable, Equatable, CustomStringConvertible {
    public let rawValue: Int32

    /// Takes ownership of `rawValue`.
    public init(owning rawValue: Int32) { self.rawValue = rawValue }

    /// Duplicates `rawValue`, leaving the caller's descriptor alone.
    public init(duplicating rawValue: Int32) throws(DBusError) {
        let copy = fcntl(rawValue, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { throw DBusError(.invalidArgs, "cannot duplicate file descriptor \(rawValue)") }
        self.rawValue = copy
    }

    deinit { close(rawValue) }

    public static func == (lhs: UnixFD, rhs: UnixFD) -> Bool { lhs.rawValue == rhs.rawValue }
    public var description: String { "fd \(rawValue)" }
}
