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
    /// The Gauss–Newton model's minimum from the end point, cost − gᵀ(JᵀJ)⁻¹g (Levenberg–Marquardt only; nil
    /// where JᵀJ is singular): what the cost would reach if its basin were quadratic — the screened first
    /// refinement ranks its starts by it (`Localizer.screenedRefinement`), the ambiguity stage decides by it which of
    /// its refinements continue (`Localizer.ambiguitySearch`).
    var predictedCost: Double? = nil
    /// Where a Levenberg–Marquardt run that stopped at an iteration cap below `maxIterations` stood, so that a
    /// continuation resumes it (`Localizer.screenedRefinement`, `Localizer.ambiguitySearch`); nil otherwise.
    var resume: LevenbergMarquardtState? = nil
}

/// A Levenberg–Marquardt run's parameters (position, then the nuisance), its linearisation there (cost, JᵀJ and
/// Jᵀr), its damping and its iteration count. Valid only for the same model and frame (the caller's contract).
struct LevenbergMarquardtState {
    var parameters: [Double]
    var cost: Double
    var normal: [Double], gradient: [Double]
    var damping: Double
    /// Iterations run so far: a resumed run counts on from them, so the pair never runs more than `maxIterations`.
    var iterations: Int
}
