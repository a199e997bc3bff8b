/// Summary of localization errors: the percentiles quoted in docs/method.md §8.3 and the gross-error share.
///
/// Percentiles follow ``EmpiricalDistribution``'s definition (linear interpolation between closest ranks);
/// NaN errors are left out of every figure.
package struct ErrorStatistics: Sendable, Equatable {
    package let count: Int
    package let mean: Double
    package let median: Double
    package let p75: Double
    package let p90: Double
    package let p95: Double
    package let p99: Double
    /// Share of errors above `grossThreshold`.
    package let grossErrorRate: Double
    let grossThreshold: Double

    /// - Parameter grossThreshold: λ₀/2 by convention (a neighbouring minimum is ≈ λ₀ away).
    package init(errors: [Double], grossThreshold: Double) {
        self.init(EmpiricalDistribution(errors), grossThreshold: grossThreshold)
    }

    /// The summary of an already sorted sample.
    package init(_ distribution: EmpiricalDistribution, grossThreshold: Double) {
        count = distribution.count
        self.grossThreshold = grossThreshold
        mean = distribution.mean
        median = distribution.quantile(0.5)
        p75 = distribution.quantile(0.75)
        p90 = distribution.quantile(0.9)
        p95 = distribution.quantile(0.95)
        p99 = distribution.quantile(0.99)
        grossErrorRate = distribution.fraction(above: grossThreshold)
    }
}
