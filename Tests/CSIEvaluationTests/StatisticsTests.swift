import CSIEvaluation
import Foundation
import Testing

/// The one statistics implementation against independent computations.
struct StatisticsTests {
    /// Type-7 percentile straight from its textbook definition on a sorted copy.
    static func reference(_ values: [Double], _ p: Double) -> Double {
        let s = values.sorted()
        let h = p * Double(s.count - 1)
        let lo = Int(h.rounded(.down)), hi = Int(h.rounded(.up))
        return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(1, abs(b)) }

    @Test(arguments: [1, 2, 3, 10, 101, 1000])
    func percentilesMatchTheSortedArrayDefinition(count: Int) {
        var rng = TestRandom(state: UInt64(count))
        let values = (0..<count).map { _ in rng.next() * 100 - 30 }
        let d = EmpiricalDistribution(values)
        let sorted = values.sorted()
        for p in [0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1] + (0..<20).map({ _ in rng.next() }) {
            #expect(
                abs(d.quantile(p) - Self.reference(values, p)) <= 1e-12 * max(1, abs(Self.reference(values, p))),
                "p = \(p)")
            #expect(Self.close(d.percentile(100 * p), d.quantile(p)))
        }
        // At p = k/(n − 1) the quantile is the k-th order statistic itself (up to the rounding of p).
        for k in 0..<count where count > 1 {
            #expect(Self.close(d.quantile(Double(k) / Double(count - 1)), sorted[k]), "k = \(k)")
        }
        #expect(d.quantile(0) == sorted.first && d.quantile(1) == sorted.last)
        // Median: the middle value, or the mean of the two middle values.
        let median = count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2
        #expect(abs(d.quantile(0.5) - median) <= 1e-12 * max(1, abs(median)))
    }

    @Test func quantilesAreMonotone() {
        var rng = TestRandom(state: 42)
        let d = EmpiricalDistribution((0..<257).map { _ in rng.next() })
        let ps = (0...200).map { Double($0) / 200 }
        let qs = ps.map(d.quantile)
        #expect(zip(qs, qs.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func nanIsDroppedInfinityKeptEmptyIsNaN() {
        let d = EmpiricalDistribution([3, .nan, 1, .infinity, 2])
        #expect(d.count == 4)
        #expect(d.sorted == [1, 2, 3, .infinity])
        #expect(d.quantile(1) == .infinity)
        #expect(d.fraction(above: 2.5) == 0.5)
        let empty = EmpiricalDistribution([.nan])
        #expect(empty.count == 0 && empty.quantile(0.5).isNaN && empty.mean.isNaN && empty.fraction(above: 0).isNaN)
        #expect(empty.cdfPoints().isEmpty)
    }

    @Test func exceedanceSharesCountStrictlyGreaterValues() {
        var rng = TestRandom(state: 7)
        // Rounded values: many ties, and thresholds that hit them.
        let values = (0..<500).map { _ in (rng.next() * 20).rounded() }
        let d = EmpiricalDistribution(values)
        for t in [-1.0, 0, 3, 7.5, 10, 19, 20, 21] {
            let expected = Double(values.filter { $0 > t }.count) / Double(values.count)
            #expect(d.fraction(above: t) == expected, "threshold \(t)")
        }
    }

    @Test func cdfPointsAreTheEmpiricalCDF() {
        var rng = TestRandom(state: 9)
        let values = (0..<3000).map { _ in rng.next() } // distinct with probability 1
        let d = EmpiricalDistribution(values)
        let points = d.cdfPoints(maxPoints: 800)
        #expect(points.count <= 800 * 2 + 1)
        #expect(points.last == CDFPoint(value: values.max()!, fraction: 1))
        #expect(points.first?.value == values.min())
        for p in points.dropLast() {
            #expect(p.fraction == Double(values.filter { $0 <= p.value }.count) / Double(values.count))
        }
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.value <= $1.value && $0.fraction <= $1.fraction })
        // Small samples: every value is a point.
        #expect(
            EmpiricalDistribution([2, 1]).cdfPoints() == [
                CDFPoint(value: 1, fraction: 0.5), CDFPoint(value: 2, fraction: 1),
                CDFPoint(value: 2, fraction: 1),
            ])
    }

    @Test func errorStatisticsSummariseTheDistribution() {
        var rng = TestRandom(state: 11)
        let errors = (0..<999).map { _ in rng.next() * 0.1 } + [.nan]
        let s = ErrorStatistics(errors: errors, grossThreshold: 0.05)
        let finite = errors.filter { !$0.isNaN }
        #expect(s.count == 999)
        #expect(abs(s.mean - finite.reduce(0, +) / 999) <= 1e-15)
        for (value, p) in [(s.median, 0.5), (s.p75, 0.75), (s.p90, 0.9), (s.p95, 0.95), (s.p99, 0.99)] {
            #expect(abs(value - Self.reference(finite, p)) <= 1e-15, "p = \(p)")
        }
        #expect(s.grossErrorRate == Double(finite.filter { $0 > 0.05 }.count) / 999)
    }
}
