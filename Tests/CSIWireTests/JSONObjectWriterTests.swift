import Testing

@testable import CSIWire

/// The direct writer against the `JSONValue` tree's serialization of the same object, the independent form.
@Suite struct JSONObjectWriterTests {
    /// Numbers that exercise the formatter: integers as doubles, tiny/huge exponents, negative zero, non-finite.
    static let awkwardNumbers: [Double] = [
        0, -0.0, 1, 3, 0.1, -2.5e-7, 1.5e20, 1e-320, .greatestFiniteMagnitude, .nan, .infinity, -.infinity,
    ]

    @Test func writesTheTreeSerializationByteForByte() {
        var out = JSONObjectWriter(capacity: 8)
        out.double("a", 0.1)
        out.doubles("arr", Self.awkwardNumbers)
        out.integer("big", UInt64.max)
        out.nested("inner") { inner in
            inner.null("n")
            inner.string("s", "tab\t \"quote\" back\\slash \u{01} é 😀")
        }
        out.integer("neg", Int64.min)
        out.value("tree", ["k": [1, 2.5, nil, true], "b": "x"])
        let tree: JSONValue = [
            "a": .double(0.1), "arr": .array(Self.awkwardNumbers.map(JSONValue.double)),
            "big": .integer(UInt64.max),
            "inner": ["n": nil, "s": .string("tab\t \"quote\" back\\slash \u{01} é 😀")],
            "neg": .integer(Int64.min), "tree": ["k": [1, 2.5, nil, true], "b": "x"],
        ]
        #expect(out.finish() == tree.serialized())
    }

    @Test func anEmptyObject() {
        #expect(JSONObjectWriter(capacity: 0).finish() == Array("{}".utf8))
    }

    /// Random fixes with every optional member present or absent, non-finite numbers and escaped strings: the
    /// published bytes equal the tree's, and decode back to the same fix.
    @Test func positionFixBytesEqualTheTreeForm() throws {
        var rng = SplitMix64(seed: 7)
        func number() -> Double {
            Bool.random(using: &rng)
                ? Self.awkwardNumbers.randomElement(using: &rng)! : Double.random(in: -1e3...1e3, using: &rng)
        }
        for _ in 0..<300 {
            let dimension = Bool.random(using: &rng) ? 2 : 3
            let covariance: [Double] =
                Bool.random(using: &rng)
                ? [] : (0..<(dimension * dimension)).map { _ in Double.random(in: 0...1e-3, using: &rng) }
            var fix = PositionFix(
                seq: .random(in: 0...UInt64.max, using: &rng), receiverID: .random(in: 0...UInt32.max, using: &rng),
                ueID: .random(in: 0...UInt32.max, using: &rng), tCaptureNs: .random(in: .min ... .max, using: &rng),
                tPublishNs: .random(in: .min ... .max, using: &rng), position: SIMD3(number(), number(), number()),
                frame: ["scene", "", "é\"\\\n"].randomElement(using: &rng)!, covariance: covariance,
                status: PositionFix.Status.allCases.randomElement(using: &rng)!, cost: number(), latencyMs: number(),
                model: "physics(\(rng.next() % 1000))", truthErrorM: Bool.random(using: &rng) ? number() : nil,
                stages: Bool.random(using: &rng) ? ["grid_ms": .double(number()), "fix_status": "converged"] : nil)
            if Bool.random(using: &rng) {
                fix.track = PositionFix.Track(
                    position: SIMD3(number(), number(), number()), velocity: SIMD3(number(), 0, number()),
                    covariance: covariance, velocityCovariance: covariance, event: "updated", updates: 3,
                    ageSeconds: number(), sinceUpdateSeconds: number(), nis: number())
            }
            let bytes = fix.jsonBytes()
            #expect(bytes == fix.jsonValue().serialized())
            let decoded = try PositionFix(jsonBytes: bytes)
            // A random track block is not self-consistent (its derived members are recomputed on encoding).
            if fix.track == nil { #expect(decoded.jsonBytes() == bytes) }
        }
    }
}
