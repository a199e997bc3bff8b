import CSISearch

/// One row of the stage table, per frame.
public struct StageFigures: Codable, Sendable, Equatable {
    var stage: String
    /// Wall time per frame in the stage, seconds.
    @FiniteOrNull public var secondsPerFrame: Double
    /// Candidate positions scored per frame.
    @FiniteOrNull public var candidatesPerFrame: Double
    /// Model evaluations (channel values) per frame.
    @FiniteOrNull public var valuesPerFrame: Double
    /// Model Jacobians per frame.
    @FiniteOrNull public var jacobiansPerFrame: Double
    /// Fraction of frames that ran the stage.
    @FiniteOrNull public var ranFraction: Double

    enum CodingKeys: String, CodingKey {
        case stage, secondsPerFrame = "seconds_per_frame", candidatesPerFrame = "candidates_per_frame"
        case valuesPerFrame = "values_per_frame", jacobiansPerFrame = "jacobians_per_frame", ranFraction =
            "ran_fraction"
    }

    init(_ row: StageTable.Row) {
        stage = row.stage.rawValue
        secondsPerFrame = row.seconds
        candidatesPerFrame = row.candidates
        valuesPerFrame = row.values
        jacobiansPerFrame = row.jacobians
        ranFraction = row.ranFraction
    }
}
