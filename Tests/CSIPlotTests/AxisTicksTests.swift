import CSINumerics
import CSIPlot
import Foundation
import Testing

/// The one tick module: round steps, coverage, exact labels.
struct AxisTicksTests {
    /// The label's number, read independently of the code (minus sign, ×10ⁿ and 10ⁿ forms).
    static func value(_ l: TickLabel) -> Double? {
        parsedValue(SVGScan.Label(x: 0, y: 0, size: 12, text: l.text, superscript: l.superscript))
    }

    /// Checks the 1-2-5 rule, coverage and exact labels of linear ticks for `lo…hi`.
    static func checkLinear(_ t: AxisTicks, _ lo: Double, _ hi: Double, count: Int) {
        #expect(t.values.count >= 2 && t.values.count <= 2 * count + 2, "\(lo)…\(hi): \(t.values.count) ticks")
        #expect(t.values.first! <= lo && t.values.last! >= hi, "\(lo)…\(hi) not covered by \(t.values)")
        let step = t.values[1] - t.values[0]
        let e = log10(step * (1 + 1e-9)).rounded(.down), m = step / pow(10, e)
        #expect([1.0, 2, 5, 10].contains { abs(m - $0) < 1e-9 }, "step \(step) is not 1, 2 or 5 × 10ⁿ")
        let scientific = t.labels.contains { $0.superscript != nil }
        let unit = pow(10, e) * [1.0, 2, 5, 10].min { abs(m - $0) < abs(m - $1) }!
        for (v, label) in zip(t.values, t.labels) {
            // A multiple of the step, labelled with exactly the number it marks and no more decimals than needed.
            #expect(abs(v / unit - (v / unit).rounded()) < 1e-9, "\(v) is not a multiple of \(unit)")
            #expect(value(label) == v, "label \(label) for \(v)")
            if !scientific { #expect(decimals(label.text) == max(0, Int(-e)), "\(label.text) with step \(unit)") }
            #expect(!label.text.contains("e") && !label.text.contains("-"), "\(label.text)")
        }
        for (a, b) in zip(t.values, t.values.dropFirst()) { #expect(abs((b - a) - unit) <= 1e-9 * unit) }
    }

    @Test func theErrorMapAxesOfIssue15() {
        // The region of the issue's error map: x from −0.020304 to 4.99869.
        let x = AxisTicks.linear(covering: -0.020304, 4.99869)
        #expect(x.labels.map(\.text) == ["\u{2212}1", "0", "1", "2", "3", "4", "5"])
        let f = AxisTicks.linear(covering: 0, 1, count: 6)
        #expect(f.labels.map(\.text) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(f.values == [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        // 2.36748e-05 … 9.1e-05: steps of 10⁻⁵ written as d×10⁻⁵, no float noise.
        let tiny = AxisTicks.linear(covering: 2.36748e-05, 9.1e-05)
        #expect(tiny.labels.first == TickLabel(text: "2×10", superscript: "\u{2212}5"))
        #expect(tiny.labels.last == TickLabel(text: "1×10", superscript: "\u{2212}4"))
    }

    @Test func randomRangesGiveRoundStepsAndExactLabels() {
        var rng = SeededGenerator(seed: 15)
        for _ in 0..<2000 {
            let scale = pow(10, (rng.nextUnit() * 24 - 12).rounded())
            let a = (rng.nextUnit() * 2 - 1) * scale, b = a + rng.nextUnit() * scale * pow(10, rng.nextUnit() * 3 - 1)
            let count = 2 + Int(rng.nextUnit() * 10)
            Self.checkLinear(AxisTicks.linear(covering: a, b, count: count), a, b, count: count)
        }
    }

    @Test func hostileBoundsStillGiveTwoOrderedTicks() {
        for (a, b) in [
            (3.0, 3.0), (.nan, .nan), (-.infinity, 1), (0, -0.0), (5, -5), (1e308, -1e308),
            (0, Double.leastNormalMagnitude / 1000), (.nan, 2),
        ] {
            let t = AxisTicks.linear(covering: a, b)
            #expect(t.values.count >= 2 && t.values.allSatisfy(\.isFinite), "\(a)…\(b)")
            #expect(zip(t.values, t.values.dropFirst()).allSatisfy { $0 < $1 }, "\(a)…\(b): \(t.values)")
            for (v, label) in zip(t.values, t.labels) where abs(v) < 1e22 { #expect(Self.value(label) == v) }
        }
    }

    @Test func decadesAreWholePowersWithSuperscripts() {
        let t = AxisTicks.decades(covering: 3e-5, 40)
        #expect(t.values == [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100])
        #expect(t.labels.allSatisfy { $0.text == "10" })
        #expect(
            t.labels.map { $0.superscript! } == [
                "\u{2212}5", "\u{2212}4", "\u{2212}3", "\u{2212}2", "\u{2212}1", "0", "1", "2",
            ])
        // Twenty decades in at most ten ticks: every 5 (1 and 2 would need 21 and 11).
        let wide = AxisTicks.decades(covering: 1e-12, 1e8, maxCount: 10)
        let exps = wide.values.map { log10($0) }
        #expect(exps == [-15, -10, -5, 0, 5, 10].map(Double.init))
        for (v, label) in zip(wide.values, wide.labels) { #expect(Self.value(label) == v) }
        #expect(abs(wide.fraction(1) - 0.6) < 1e-12)
    }

    /// Bounds at the ends of Double's range (a CDF of errors down to 10⁻³²⁰, a cost near 10³⁰⁸) and the widest span:
    /// every tick finite and positive, positions finite, at most `maxCount` ticks.
    @Test func extremeDecadesStayFiniteAndFew() {
        for (lo, hi) in [(1e-320, 1.0), (1.0, 1.7e308), (4.9e-324, 1.7e308), (1e-310, 1e-309)] {
            let t = AxisTicks.decades(covering: lo, hi, maxCount: 8)
            #expect(t.values.allSatisfy { $0.isFinite && $0 > 0 }, "\(lo)…\(hi): \(t.values)")
            #expect(t.values.count >= 2 && t.values.count <= 8, "\(lo)…\(hi): \(t.values.count) ticks")
            #expect(t.values.allSatisfy { t.fraction($0).isFinite })
        }
    }
}
