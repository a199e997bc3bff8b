import StrictYAML
import Testing

private struct Anything: Decodable {
    init(from decoder: any Decoder) throws {}
}

/// Issue 13, class 8: YAML whose composing or decoding would not be linear in its length is rejected by a linear
/// pre-pass, with the error located at the node that crossed the line.
@Suite struct PathologicalYAMLTests {
    /// `a0: &a0 [x, x]`, `a1: &a1 [*a0 ×10]`, …: level n expands to 10^n nodes.
    static func laughs(levels: Int, width: Int = 10) -> String {
        var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1..<levels {
            text +=
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: width).joined(separator: ", ")
                + "]\n"
        }
        return text
    }

    func expectRejected(
        _ text: String, line: Int, containing fragment: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            _ = try StrictYAML.decode(Anything.self, from: text, file: "bomb.yaml")
            Issue.record("accepted", sourceLocation: sourceLocation)
        } catch let error as YAMLFileError {
            #expect(error.file == "bomb.yaml" && error.line == line, "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains(fragment), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
        #expect(clock.now - started < .seconds(2), "took \(clock.now - started)", sourceLocation: sourceLocation)
    }

    @Test("mapping keys built from nested aliases (exponential to hash) are rejected at once")
    func aliasBuiltKeys() {
        // Each level's key is a mapping holding two copies of the previous level's key: 2^40 nodes to hash.
        var text = "k0: &k0 {x: 1}\n"
        for level in 1...40 {
            text += "k\(level): &k\(level) {? *k\(level - 1) : 1, ? [*k\(level - 1)] : 2}\n"
        }
        expectRejected(text, line: 2, containing: "a mapping key cannot be")
        expectRejected("k: &k {a: 1}\n? *k\n: 1\n", line: 2, containing: "alias of a mapping")
        expectRejected("? [a, b]\n: 1\n", line: 1, containing: "cannot be a list")
        expectRejected("{? {a: 1} : 1}\n", line: 1, containing: "cannot be a mapping")
    }

    @Test("a billion laughs in values is stopped at the node budget")
    func billionLaughs() {
        // 10^9 nodes once expanded; level 4 (line 5, 111 111 nodes) is the first past 100 000.
        expectRejected(Self.laughs(levels: 9), line: 5, containing: "more than \(StrictYAML.maxExpandedNodes) nodes")
    }

    @Test("deep nesting is refused before the recursive composer")
    func deepNesting() {
        expectRejected(
            String(repeating: "[", count: 500) + String(repeating: "]", count: 500), line: 1,
            containing: "nesting deeper than \(StrictYAML.maxDepth)")
        expectRejected(
            String(repeating: "{a: ", count: 500) + "1" + String(repeating: "}", count: 500), line: 1,
            containing: "nesting deeper")
    }

    @Test("ordinary anchors, aliases of scalars as keys and moderate expansion still work")
    func ordinaryAnchorsStillWork() throws {
        struct Pair: Decodable, Equatable { var a: [Int]; var b: [Int] }
        let pair = try StrictYAML.decode(Pair.self, from: "a: &v [1, 2, 3]\nb: *v\n", file: "ok.yaml")
        #expect(pair == Pair(a: [1, 2, 3], b: [1, 2, 3]))
        let keyed = try StrictYAML.decode([String: String].self, from: "name: &n port\n*n : five\n", file: "ok.yaml")
        #expect(keyed == ["name": "port", "port": "five"])
        _ = try StrictYAML.decode(Anything.self, from: Self.laughs(levels: 4), file: "ok.yaml") // about 12 350 nodes
        // Syntax errors are still Yams's to report.
        #expect(throws: YAMLFileError.self) {
            try StrictYAML.decode(Anything.self, from: "a: [1, 2\n", file: "bad.yaml")
        }
        #expect(throws: YAMLFileError.self) {
            try StrictYAML.decode(Anything.self, from: "a: *missing\n", file: "bad.yaml")
        }
    }
}

/// Issue 13, class 5: Yams evaluates plain `a:b:c` scalars as base-60 integers with trapping arithmetic.
@Suite struct SexagesimalOverflowTests {
    private struct Port: Decodable { var port: Int64?; var count: UInt64?; var small: Int32? }

    @Test("base-60 integers that overflow 64 bits are errors, not traps; small ones and quoted ones still work")
    func sexagesimal() throws {
        for text in [
            "port: 1:0:0:0:0:0:0:0:0:0:0", "port: 9223372036854775807:0", "count: 1:18000000000000000000",
            "small: -1:2:3:4:5:6:7:8:9:10:11:12", "port: 1_000_000_000_000_000_000:0",
        ] {
            do {
                _ = try StrictYAML.decode(Port.self, from: text, file: "s.yaml")
                Issue.record("accepted: \(text)")
            } catch let error as YAMLFileError {
                #expect(error.line == 1 && error.message.contains("sexagesimal"), "\(error)")
            }
        }
        #expect(try StrictYAML.decode(Port.self, from: "port: 1:30", file: "s.yaml").port == 90)
        #expect(try StrictYAML.decode(Port.self, from: "small: -1:0:0", file: "s.yaml").small == -3600)
        struct Text: Decodable { var name: String }
        #expect(
            try StrictYAML.decode(Text.self, from: "name: '1:0:0:0:0:0:0:0:0:0:0:0'", file: "s.yaml").name
                == "1:0:0:0:0:0:0:0:0:0:0:0")
        #expect(try StrictYAML.decode(Text.self, from: "name: fe80::1", file: "s.yaml").name == "fe80::1")
    }
}
