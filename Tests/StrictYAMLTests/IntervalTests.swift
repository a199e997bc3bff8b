import StrictYAML
import Testing

/// `lo`: a required interval; `hi`: an optional one with a fallback.
private struct Bounds: Decodable {
    var lo: ClosedRange<Double>
    var hi: ClosedRange<Double>
    enum CodingKeys: String, CodingKey, CaseIterable { case lo, hi }
    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lo = try c.interval(.lo)
        hi = try c.interval(.hi, ifAbsent: -1...1)
    }
}

/// `KeyedDecodingContainer.interval`: `[min, max]` or one number, finite, min ≤ max; errors located at the key.
@Suite struct IntervalTests {
    @Test func pairNumberAndFallback() throws {
        let b = try StrictYAML.decode(Bounds.self, from: "lo: [0.5, 2]\n", file: "i.yaml")
        #expect(b.lo == 0.5...2 && b.hi == -1...1)
        let one = try StrictYAML.decode(Bounds.self, from: "lo: 3\nhi: [-4, -4]\n", file: "i.yaml")
        #expect(one.lo == 3...3 && one.hi == -4...(-4))
    }

    @Test(arguments: [
        ("lo: [2, 1]\n", "lo", "min ≤ max"), ("lo: [1, 2, 3]\n", "lo", "min ≤ max"), ("lo: .inf\n", "lo", "finite"),
        ("lo: [0, .nan]\n", "lo", "min ≤ max"), ("lo: 0\nhi: [x, 1]\n", "hi", "wrong type"),
        ("hi: 1\n", "", "missing required key 'lo'"),
    ])
    func badIntervalsAreLocated(text: String, path: String, fragment: String) {
        do {
            _ = try StrictYAML.decode(Bounds.self, from: text, file: "i.yaml")
            Issue.record("accepted \(text)")
        } catch let e as YAMLFileError {
            #expect(e.path.hasPrefix(path) && e.message.contains(fragment), "\(e)")
        } catch { Issue.record("unexpected \(error)") }
    }
}
