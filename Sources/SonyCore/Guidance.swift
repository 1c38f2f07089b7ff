/// What the catalogue can tell the user about one task on one model.
///
/// An enum rather than an optional procedure, so that "we do not know" always carries the
/// reason and where to look instead: the catalogue never makes a procedure up.
public enum Guidance: Sendable, Hashable {
    /// A sourced procedure.
    case known(Procedure)
    /// No source gives one; `note` says so in words fit to show the user.
    case unknown(note: String)

    /// The procedure, if one is known.
    public var procedure: Procedure? {
        if case .known(let procedure) = self { return procedure }
        return nil
    }

    public var isKnown: Bool { procedure != nil }
}
