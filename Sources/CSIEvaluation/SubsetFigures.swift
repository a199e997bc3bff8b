/// The LoS or NLoS subset of a method's errors.
public struct SubsetFigures: Codable, Sendable, Equatable {
    public var points: Int
    @FiniteOrNull public var medianErrorM: Double
    @FiniteOrNull public var p90ErrorM: Double
    @FiniteOrNull public var grossErrorRate: Double

    enum CodingKeys: String, CodingKey {
        case points, medianErrorM = "median_error_m", p90ErrorM = "p90_error_m", grossErrorRate = "gross_error_rate"
    }

    public init(_ s: ErrorStatistics) {
        points = s.count
        medianErrorM = s.median
        p90ErrorM = s.p90
        grossErrorRate = s.grossErrorRate
    }
}
