/// Summary of localization errors: the percentiles quoted in docs/method.md §8.3 and the gross-error share.
///
/// Percentiles follow ``EmpiricalDistribution``'s definition (linear interpolation between closest ranks);
/// NaN errors are left out of every figure.
public struct ErrorStatistics: Sendable, Equatable {
    public let count: Int
    public let mean: Double
    public let median: Double
    public let p75: Double
    public let p90: Double
    public let p95: Double
    public let p99: Double
    /// Share of errors above `grossThreshold`.
    public let grossErrorRate: Double
    public let grossThreshold: Double

    /// - Parameter grossThreshold: λ₀/2 by convention (a neighbouring minimum is ≈ λ₀ away).
    public init(errors: [Double], grossThreshold: Double) {
        self.init(EmpiricalDistribution(errors), grossThreshold: grossThreshold)
    }

    /// The summary of an already sorted sample.
    public init(_ distribution: EmpiricalDistribution, grossThreshold: Double) {
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
