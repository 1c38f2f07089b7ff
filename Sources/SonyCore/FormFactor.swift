/// The shape of the product, which decides what a procedure can ask of the user
/// (earbuds need their charging case for some resets; headphones have buttons).
public enum FormFactor: String, Sendable, Hashable, CaseIterable {
    case headphones
    case earbuds
}
