import StrictYAML
import Testing

private struct Config: Decodable, Equatable {
    var port: Int
    var name: String
    var inner: Inner
    struct Inner: Decodable, Equatable {
        var ratio: Double
        enum CodingKeys: String, CodingKey, CaseIterable { case ratio }
        init(ratio: Double) { self.ratio = ratio }
        init(from decoder: any Decoder) throws {
            let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
            ratio = try c.value(.ratio, default: 0.5)
            try c.require((0...1).contains(ratio), .ratio, "must be in 0...1, got \(ratio)")
        }
    }
    enum CodingKeys: String, CodingKey, CaseIterable { case port, name, inner }
    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        port = try c.value(.port, default: 9464)
        name = try c.value(.name, default: "x")
        inner = try c.value(.inner, default: Inner(ratio: 0.5))
    }
}

@Suite struct StrictYAMLTests {
    @Test func defaultsApplyToEmptyDocument() throws {
        let c = try StrictYAML.decode(Config.self, from: "", file: "e.yaml")
        #expect(c.port == 9464 && c.inner.ratio == 0.5)
    }

    @Test func nestedUnknownKeyPointsAtTheKey() {
        do {
            _ = try StrictYAML.decode(Config.self, from: "port: 1\ninner:\n  ratoi: 0.3\n", file: "c.yaml")
            Issue.record("expected an error")
        } catch let e as YAMLFileError {
            #expect(e.line == 3 && e.column == 3)
            #expect(e.path == "inner.ratoi")
            #expect(e.message.contains("allowed: ratio"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func quotedNumberIsAWrongType() {
        do {
            _ = try StrictYAML.decode(Config.self, from: "port: '9100'\n", file: "q.yaml")
            Issue.record("expected an error")
        } catch let e as YAMLFileError {
            #expect(e.path == "port" && e.line == 1)
            #expect(e.message.contains("expected an integer"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func rangeCheckIsLocated() {
        do {
            _ = try StrictYAML.decode(Config.self, from: "inner: {ratio: 3}\n", file: "r.yaml")
            Issue.record("expected an error")
        } catch let e as YAMLFileError {
            #expect(e.path == "inner.ratio")
            #expect(e.message == "must be in 0...1, got 3.0")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func duplicateKeysAndTabsAreSyntaxErrors() {
        #expect(throws: YAMLFileError.self) {
            try StrictYAML.decode(Config.self, from: "port: 1\nport: 2\n", file: "d.yaml")
        }
        #expect(throws: YAMLFileError.self) {
            try StrictYAML.decode(Config.self, from: "inner:\n\tratio: 1\n", file: "t.yaml")
        }
    }

    @Test func missingFileIsReported() {
        do {
            _ = try StrictYAML.decode(Config.self, contentsOf: "/nonexistent/x.yaml"); Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasPrefix("/nonexistent/x.yaml: cannot read file"))
        }
    }
}
