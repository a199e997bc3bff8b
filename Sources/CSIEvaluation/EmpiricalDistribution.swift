/// The sorted sample behind every statistic `csiloc` reports: percentiles, CDF points and exceedance shares.
///
/// **Percentile definition** (one for the whole tool): linear interpolation between the closest ranks of the
/// sorted sample x₀ ≤ … ≤ xₙ₋₁ — for p ∈ [0, 1], h = p·(n − 1), `quantile(p)` = x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋)
/// (Hyndman & Fan's type 7, numpy's and R's default). `quantile(0)` is the minimum, `quantile(1)` the maximum,
/// `quantile(0.5)` the usual median; an empty sample gives NaN.
///
/// NaN values are dropped (they are "no value", e.g. a failed fix without an error); ±∞ are kept and sort to
/// the ends, so an infinite error counts as a gross error and can be the maximum.
package struct EmpiricalDistribution: Sendable, Equatable {
    /// The values without NaNs, ascending.
    package let sorted: [Double]

    /// The distribution of `values` (NaNs dropped).
    package init(_ values: [Double]) {
        sorted = values.filter { !$0.isNaN }.sorted()
    }

    /// Number of values (NaNs excluded).
    package var count: Int { sorted.count }

    /// Arithmetic mean; NaN when empty.
    package var mean: Double { sorted.isEmpty ? .nan : sorted.reduce(0, +) / Double(sorted.count) }

    /// The p-quantile, p ∈ [0, 1] (clamped), by the type-7 definition above; NaN when empty.
    package func quantile(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let x = min(max(p, 0), 1) * Double(sorted.count - 1)
        let i = Int(x.rounded(.down)), f = x - Double(i)
        return i + 1 < sorted.count ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i]
    }

    /// The percentile `percent` ∈ [0, 100]: `quantile(percent / 100)`.
    package func percentile(_ percent: Double) -> Double { quantile(percent / 100) }

    /// Share of the values strictly above `threshold`; NaN when empty.
    package func fraction(above threshold: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return Double(sorted.count - upperBound(threshold)) / Double(sorted.count)
    }

    /// Points of the empirical CDF, F(xⱼ) = (j + 1)/n, for drawing: every `step`-th order statistic from the
    /// first (step = max(1, n / `maxPoints`)), then the maximum at F = 1. Empty for an empty sample.
    package func cdfPoints(maxPoints: Int = 800) -> [CDFPoint] {
        guard let last = sorted.last else { return [] }
        let n = sorted.count
        let step = max(1, n / max(maxPoints, 1))
        var points = Swift.stride(from: 0, to: n, by: step).map {
            CDFPoint(value: sorted[$0], fraction: Double($0 + 1) / Double(n))
        }
        points.append(CDFPoint(value: last, fraction: 1))
        return points
    }

    /// Index of the first value > `threshold` (binary search).
    private func upperBound(_ threshold: Double) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] > threshold { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
