/// Summary of localization errors: the percentiles quoted in docs/method.md §8.3 and the gross-error share.
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
        let e = errors.filter { !$0.isNaN }.sorted()
        count = e.count
        self.grossThreshold = grossThreshold
        func q(_ p: Double) -> Double {
            guard !e.isEmpty else { return .nan }
            let x = p * Double(e.count - 1)
            let i = Int(x.rounded(.down)), f = x - Double(i)
            return i + 1 < e.count ? e[i] * (1 - f) + e[i + 1] * f : e[i]
        }
        mean = e.isEmpty ? .nan : e.reduce(0, +) / Double(e.count)
        median = q(0.5); p75 = q(0.75); p90 = q(0.9); p95 = q(0.95); p99 = q(0.99)
        grossErrorRate = e.isEmpty ? .nan : Double(e.filter { $0 > grossThreshold }.count) / Double(e.count)
    }
}
