public import CSIChannel

/// The result of localizing one channel: the position, its uncertainty, a status, and per-stage
/// diagnostics (what each stage proposed, at what cost, how long it took, how many model evaluations).
public struct Fix: Sendable {
    /// Estimated position, scene frame (z is the search height when the search is 2-D).
    public var position: Point3
    /// Position covariance from the Gauss–Newton normal matrix and the residual (nil when no
    /// refinement ran or the normal matrix was singular).
    public var covariance: PositionCovariance?
    public var status: FixStatus
    /// Final phase-sensitive cost ‖H − α D(τ) f(x̂)‖² (nuisance removed as configured).
    public var cost: Double
    /// `cost / ‖H‖²`.
    public var relativeResidual: Double
    /// `cost` divided by the residual expected from noise alone, (N_a N_s − dof/2)·σ².
    public var noiseRatio: Double
    /// Noise variance per complex entry used for `noiseRatio` (known or estimated).
    public var noiseVariance: Double
    /// Where `noiseVariance` came from.
    public var noiseSource: NoiseSource = .estimated
    /// The model's local validation NMSE at the fix (linear; from the model's quality map), nil when the model
    /// records none or `modelQuality` is off.
    public var modelNMSE: Double? = nil
    /// The cost a correct fix would stay below: the noise part of the χ² test plus the allowed model error
    /// (docs/localization.md, "Uncertainty and status").
    public var costThreshold: Double = .nan
    /// Whether the cost is above what the widened search (f) tolerates (`LocalizerConfiguration.widenedModelErrorSigmas`:
    /// the noise plus a lower quantile of the model's local error than the status allows): what triggers (f), which
    /// finds cheaper minima on poor models too.
    public var widenAdvised: Bool = false
    /// The former name of `widenAdvised` (until 2026-12-07 the trigger was the noise-only test).
    @available(*, deprecated, renamed: "widenAdvised")
    public var aboveNoise: Bool { widenAdvised }
    /// The cheapest other minimum the search refined at least λ₀/2 from the fix (nil when none was; a composite
    /// model refined on its base: its polished runner-up, or the base minimum at the full model's cost where it
    /// clearly loses, `LocalizerConfiguration.polishRivalScreen`): what the `ambiguous` test compares the fix with.
    public var runnerUp: RunnerUp? = nil
    /// Estimated nuisance parameters (gain 1, phase 0, offset 0 when not estimated).
    public var nuisance: NuisanceEstimate
    /// One report per stage that ran, in order.
    public var stages: [StageReport]

    /// Model evaluations of all stages (values + Jacobians).
    public var totalEvaluations: (values: Int, jacobians: Int) {
        stages.reduce((0, 0)) { ($0.0 + $1.valueEvaluations, $0.1 + $1.jacobianEvaluations) }
    }
}

/// Where a fix's noise level came from (docs/localization.md, "Uncertainty and status").
public enum NoiseSource: String, Sendable, Codable, CaseIterable {
    /// The configuration's `noiseFloor` (a known SNR or variance for every frame).
    case configured
    /// The SNR the frame reported (`LocalizerConfiguration.reportedSNR`).
    case reported
    /// The frame reported more noise than twice its own estimate: that bound was used.
    case reportCapped = "report-capped"
    /// The frame's own estimate (no usable report, or reports do not apply to this model).
    case estimated
}

/// Whether a fix can be trusted.
public enum FixStatus: String, Sendable, Codable {
    /// Refinement converged and the residual is consistent with the noise level.
    case converged
    /// No refinement ran (on-grid variants): the position is a grid node.
    case onGrid = "on-grid"
    /// Refinement hit its iteration cap before the step tolerance.
    case notConverged = "not-converged"
    /// The residual is far above the noise level (plus the model's local error, when the model records it):
    /// probably a neighbouring (spurious) minimum or a bad model.
    case grossErrorSuspected = "gross-error-suspected"
    /// The residual is plausible, but where the fix is the model is too poor to tell a position from its
    /// neighbouring minima (local ambiguity above `untrustedAmbiguity`): no residual can vouch for it.
    case modelUntrusted = "model-untrusted"
    /// The residual is plausible, but another minimum the search refined, at least λ₀/2 away (`Fix.runnerUp`), costs
    /// so little more that the noise and the fix's own model error could have swapped the two
    /// (`LocalizerConfiguration.runnerUpAlignment`): the frame cannot tell them apart.
    case ambiguous
}

/// A refined minimum of the phase-sensitive cost other than the fix (docs/localization.md, "Uncertainty and
/// status") — with a composite model, a base minimum the polish left unrefined where it clearly loses to the fix
/// (`LocalizerConfiguration.polishRivalScreen`), at the full model's cost there.
public struct RunnerUp: Sendable, Equatable {
    public var position: Point3
    public var cost: Double
}

extension FixStatus {
    /// Whether the status says the position should not be trusted (`gross-error-suspected`, `model-untrusted`,
    /// `ambiguous`): what reports count as flagged.
    public var isFlagged: Bool { self == .grossErrorSuspected || self == .modelUntrusted || self == .ambiguous }
}

/// A 2×2 (2-D search) or 3×3 covariance of the position, m², row-major.
public struct PositionCovariance: Sendable, Equatable {
    public let dimension: Int
    public let matrix: [Double]
    /// Standard deviation per searched axis, m.
    public var standardDeviations: [Double] { (0..<dimension).map { matrix[$0 * dimension + $0].squareRoot() } }
    /// √trace: the predicted RMS position error, m.
    public var rmsError: Double { (0..<dimension).reduce(0.0) { $0 + matrix[$1 * dimension + $1] }.squareRoot() }
}

/// Nuisance parameters of the measured channel relative to the model: H ≈ gain·e^{jφ}·e^{−j2π(f−f_ref)τ}·f(x).
public struct NuisanceEstimate: Sendable, Equatable {
    public var gain: Double = 1
    public var phase: Double = 0
    /// Timing offset τ, s.
    public var timingOffset: Double = 0
}

/// The stages of the pipeline (docs/method.md §10.1), and the adaptive retry of suspect fixes.
public enum SearchStage: String, Sendable, Codable, CaseIterable {
    case global
    /// 3-D searches with a linear array: the (axial, radial) lattice scored by the span of the model along each
    /// node's circle, the best nodes' circles scanned (`LocalizerConfiguration.arcSpan`).
    case span
    case local, refine1 = "refine-1"
    /// 3-D searches with a linear array: the circle about the array axis, its best points refined
    /// (`LocalizerConfiguration.arc`).
    case arc
    /// Frames with a nuisance (2-D): refinements from the fix plus each near-repeat offset of the model
    /// (`LocalizerConfiguration.ambiguityStage`).
    case ambiguity
    case circles, refine2 = "refine-2"
    /// Only for fixes that are flagged or cost more than the noise plus the model's typical local error
    /// (`Fix.widenAdvised`): a wider local grid around the global pick, several starts refined
    /// (`LocalizerConfiguration.widenOnSuspect`).
    case widened
    /// Composite models refined on their base (`LocalizerConfiguration.refineWithBase`): the fix and its runner-up
    /// refined again with the full model (a runner-up that clearly loses only evaluated,
    /// `LocalizerConfiguration.polishRivalScreen`).
    case polish
}

/// What one stage did for one frame.
public struct StageReport: Sendable {
    public var stage: SearchStage
    /// Candidates scored (grid nodes, circle points) or iterations (refinement).
    public var candidates: Int
    /// Best position after the stage and its cost (the global stage reports its own measure's score; the local grid
    /// and circles ranked on every other antenna, `LocalizerConfiguration.rankingAntennaStride`, the kept antennas').
    public var position: Point3
    public var cost: Double
    /// Wall time, s.
    public var seconds: Double
    /// Model evaluations: channel values and channel + Jacobian.
    public var valueEvaluations: Int
    public var jacobianEvaluations: Int
}

extension StageReport {
    /// Ends the stage at `position` with `cost`, timed from `start`.
    mutating func close(at position: Point3, cost: Double, since start: ContinuousClock.Instant) {
        let d = ContinuousClock.now - start
        self.position = position; self.cost = cost
        seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
