import SonyCLIOutput
import Testing

@Suite struct JSONTests {
    @Test func escapesWhatJSONRequiresAndKeepsKeyOrder() {
        let doc = JSON.object(["b": "quote \" backslash \\ newline \n tab \t bell \u{07}", "a": .integer(Int32(-3)), "n": .nullable(nil)])
        #expect(doc.text == #"{"b":"quote \" backslash \\ newline \n tab \t bell \u0007","a":-3,"n":null}"#)
    }

    @Test func nestsArraysAndObjects() {
        let doc = JSON.object(["list": .array([.bool(true), .strings(["x"]), .object([:] as KeyValuePairs)]), "e": .array([])])
        #expect(doc.text == #"{"list":[true,["x"],{}],"e":[]}"#)
    }
}
