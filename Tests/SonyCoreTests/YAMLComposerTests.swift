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

    @Test func anEmptyStreamHasNoDocumentAndDeepNestingDoesNotOverflow() throws {
        #expect(try YAMLComposer.compose("") == nil)
        #expect(try YAMLComposer.compose("# only a comment\n") == nil)
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(try YAMLComposer.compose(deep) != nil)
    }
}
