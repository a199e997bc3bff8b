import CSIChannel

/// Outcome of one refinement run.
struct RefinementResult {
    var position: Point3
    var cost: Double
    var nuisance: NuisanceEstimate
    var covariance: PositionCovariance?
    var iterations: Int
    var converged: Bool
    var valueEvaluations: Int
    var jacobianEvaluations: Int
}
