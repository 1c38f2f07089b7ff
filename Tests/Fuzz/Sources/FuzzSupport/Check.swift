/// Stops the run when an invariant does not hold. A trap is what libFuzzer
/// records as a crash, with the input that caused it, so a broken invariant is
/// reported exactly like an out-of-range index would be.
public func invariant(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    guard !condition() else { return }
    fatalError("invariant broken: \(message())", file: file, line: line)
}

/// The bytes libFuzzer hands to `LLVMFuzzerTestOneInput`, as an array.
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}
