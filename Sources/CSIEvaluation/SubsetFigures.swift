/// The LoS or NLoS subset of a method's errors.
package struct SubsetFigures: Codable, Sendable, Equatable {
    package var points: Int
    @FiniteOrNull package var medianErrorM: Double
    @FiniteOrNull package var p90ErrorM: Double
    @FiniteOrNull package var grossErrorRate: Double

    enum CodingKeys: String, CodingKey {
        case points, medianErrorM = "median_error_m", p90ErrorM = "p90_error_m", grossErrorRate = "gross_error_rate"
    }

    init(_ s: ErrorStatistics) {
        points = s.count
        medianErrorM = s.median
        p90ErrorM = s.p90
        grossErrorRate = s.grossErrorRate
    }
}
