import Testing
@testable import SonyCore

/// The libyaml composer the catalogue is read with: lines, nulls, refusals.
@Suite struct YAMLComposerTests {
    @Test func nodesCarryTheirLinesAndStyles() throws {
        let root = try #require(try YAMLComposer.compose("a: 1\nb:\n  - \"x\"\n  - [y, z]\nc: >-\n  folded\n  text\n"))
        guard case .mapping(let top) = root else { Issue.record("not a mapping"); return }
        let pairs = Array(top)
        #expect(pairs.map { $0.0.text } == ["a", "b", "c"])
        #expect(pairs.map { $0.0.mark?.line } == [1, 2, 5])
        guard case .sequence(let list) = pairs[1].1, case .scalar(let quoted) = Array(list)[0] else { Issue.record("no list"); return }
        #expect(quoted.style == .doubleQuoted && quoted.string == "x" && quoted.mark.line == 3)
        guard case .scalar(let folded) = pairs[2].1 else { Issue.record("no scalar"); return }
        #expect(folded.string == "folded text" && folded.style == .folded)
    }

    @Test func nullIsPlainAndUntaggedOnly() throws {
        let root = try #require(try YAMLComposer.compose("[~, null, NULL, '', 'null', nil, !!str null]"))
        guard case .sequence(let items) = root else { Issue.record("not a list"); return }
        #expect(items.map(\.isNull) == [true, true, true, false, false, false, false])
    }

    @Test func syntaxErrorsAndDuplicateKeysNameTheirLine() {
        #expect(throws: YAMLError(line: 3, problem: "YAML syntax: did not find expected key")) {
            try YAMLComposer.compose("a:\n  b: 1\n c: 2\n")
        }
        #expect(throws: YAMLError(line: 2, problem: "duplicate key 'k' in one mapping")) {
            try YAMLComposer.compose("x: 0\nk: 1\nk: 2\n")
        }
    }

    @Test func anEmptyStreamHasNoDocument() throws {
        #expect(try YAMLComposer.compose("") == nil)
        #expect(try YAMLComposer.compose("# only a comment\n") == nil)
    }

    /// fuzz-config found that a nested enough document (here 200,000 levels, 400 KB)
    /// overflowed the stack, not while composing but while freeing the tree.
    @Test func nestingDeeperThanAnyDataFileIsRefusedBeforeItCanOverflowTheStack() throws {
        let deepest = YAMLComposer.maxDepth
        let fits = String(repeating: "[", count: deepest) + String(repeating: "]", count: deepest)
        #expect(try YAMLComposer.compose(fits) != nil)
        let deep = "a:\n  " + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        #expect(throws: YAMLError(line: 2, problem: "collections nested deeper than \(deepest) levels")) {
            try YAMLComposer.compose(deep)
        }
    }

    /// fuzz-config found "[" refused, and "---" read, at line 2 of a one-line file:
    /// libyaml's end of stream lies on the line after a last line without a break.
    @Test func aProblemAtTheEndIsOnTheLastLineTheFileHas() throws {
        #expect(throws: YAMLError(line: 1, problem: "YAML syntax: did not find expected node content")) {
            try YAMLComposer.compose("[")
        }
        #expect(throws: YAMLError(line: 3, problem: "YAML syntax: could not find expected ':'")) {
            try YAMLComposer.compose("\n?\nz")
        }
        // An empty document's null lies there too.
        #expect(try YAMLComposer.compose("---")?.mark?.line == 1)
        #expect(YAMLComposer.lastLine(of: Array("a\r\nb\rc\u{85}d\u{2028}e\u{2029}".utf8)) == 6)
        #expect(YAMLComposer.lastLine(of: []) == 1)
    }
}
