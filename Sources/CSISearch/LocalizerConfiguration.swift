public import CSIChannel

/// Every parameter of the localization search (docs/method.md §10, §16), in one value.
///
/// Build it from a named preset (`SearchMethod.configuration`) and override fields as needed; a `Localizer`
/// is then built once per model and configuration. All lengths are metres; lengths tied to the phase
/// ripple of the phase-sensitive cost are given in carrier wavelengths λ₀, because that is the scale on
/// which its spurious minima repeat (§11). Defaults are those of the improved (`robust`) pipeline; the
/// reasons are in docs/localization.md.
public struct LocalizerConfiguration: Sendable, Codable, Equatable {
    // MARK: (a) global grid
    /// Measure of the global grid stage. Default: angle–delay magnitude (§16.2, fix 1).
    public var globalMeasure: GlobalMeasure = .angleDelay
    /// Spacing of the cached global grid ("virtual dictionary"), m. 10 cm ≈ 1.2 λ₀ (§10.3).
    public var globalSpacing: Double = 0.10
    /// Prescreen the global grid on every `globalPrescreenStride`-th node per axis, then score the full-resolution
    /// neighbourhoods of the best `globalPrescreenKeep` coarse nodes. 1 = score every node (as published).
    /// Only sensible for smooth measures (angle–delay); the PI measure decorrelates within λ/2 (§16.2).
    public var globalPrescreenStride: Int = 4
    /// Coarse nodes kept by the prescreen.
    public var globalPrescreenKeep: Int = 8
    /// Number of global picks (≥ `globalStartSeparation` apart, best first) from which the local grid, the first
    /// refinement and the arc run; the cheapest result continues. 1 = as published.
    public var globalStarts: Int = 1
    /// Minimum distance between global picks, m.
    public var globalStartSeparation: Double = 0.2
    /// Search region; nil = the region given when the `Localizer` is built (the model's training region).
    public var region: SearchRegion? = nil

    // MARK: (b) local phase-sensitive grid
    /// Whether to run the local phase-sensitive grid (all published variants do).
    public var localGrid: Bool = true
    /// Half-width of the local square around the global pick, m; nil = `localHalfWidthSpacings` × `globalSpacing`.
    /// In 3-D the vertical half-width stays one `globalSpacing` (the cube would grow with its cube).
    public var localHalfWidth: Double? = nil
    /// Vertical half-width of the local grid in 3-D, m; nil = `globalSpacing`.
    public var localVerticalHalfWidth: Double? = nil
    /// Default half-width of the local grid in global spacings (1 covers the global cell).
    public var localHalfWidthSpacings: Double = 1
    /// Step of the local grid, in λ₀. λ₀/6 ≈ 1.4 cm (§10.3): < λ₀/2 so that a node falls in the true basin.
    public var localStepWavelengths: Double = 1.0 / 6.0
    /// Number of best distinct local-grid nodes (≥ λ₀/4 apart) refined; the lowest refined cost wins.
    /// 1 = as published. Without the common phase the true basin's nearest node is often not the cheapest
    /// (`SearchMethod.configuration(nuisance:)` then refines 8; docs/localization.md).
    public var localCandidatesToRefine: Int = 1
    /// The local grid's (b) and the circles' (d) costs on every n-th antenna (from the first): they only rank their
    /// candidates, whose best are then refined on all antennas. 0 (the default) chooses like
    /// `arcSpanCoarseAntennaStride`: 2 where every other antenna still leaves at least 8, no more than λ₀ apart (the
    /// aperture, and so the range and curvature the candidates differ by, is kept; both stages span a small angle
    /// around the fix, far inside a grating lobe's offset),
    /// and where the model's scorer runs faster on fewer antennas (`ChannelModel.correlatesFewerAntennasFaster`),
    /// else 1. A configured stride keeps at least 8 antennas. Without a refinement the stages' costs are the fix's:
    /// all antennas then. The widened grid (f) keeps all. docs/localization.md, "Speed".
    public var rankingAntennaStride: Int = 0
    /// With a composite model (`ChannelModel.scoringBase`: a hybrid's network on its image sources), rank the grid
    /// stages' candidates (local grid, arc, circles, widened grid) with the base alone: the base costs ≈ 1 % of the
    /// network per candidate, and a residual the network adds moves a candidate's cost by far less than a grid
    /// step does (docs/localization.md, "Speed"). False: the full model. Refinements: `refineWithBase`.
    public var scoreWithBase: Bool = true
    /// With a composite model, also run every refinement on the base, then polish the fix — and its runner-up, when
    /// one was found — with the full model (`SearchStage.polish`): from the base's minimum the full model's is a
    /// few iterations away, so the network's Jacobian is taken a handful of times per frame instead of at every
    /// iteration of every start (docs/localization.md, "Speed"). False: every refinement on the full model.
    public var refineWithBase: Bool = true
    /// The polish (g) takes the full model's Jacobian where it starts and reuses the network's part of it (full
    /// minus base) at the steps within this distance, λ₀: each such step costs a full-model value and a base
    /// Jacobian instead of a full-model Jacobian (≈ 3× cheaper for the reference MB-INR). The network varies on the
    /// scale of λ₀, so over λ₀/100 its Jacobian turns by ≤ 2π/100 of itself; a step past the reach takes a new one
    /// (docs/localization.md, "Speed"). 0: the exact Jacobian at every step. 0…0.1.
    public var polishJacobianReach: Double = 0.01
    /// The polish (g) refines a runner-up only when the full model's cost at its base minimum, C₀(w), exceeds the
    /// polished fix's C(x) by less than this many times the larger of the runner-up test's margin T
    /// (`Localizer.ambiguityMargin`) and a tenth of C₀(w) (`Localizer.rivalNeedsPolish`): otherwise a refinement that
    /// removes less than half of C₀(w) − C(x) and less than 10 % of C₀(w) (measured on the room hybrid: at most 31 %
    /// and 6 %) can neither make it ambiguous nor cheaper than the fix, and it is kept at C₀(w) — one full-model value
    /// instead of a refinement (docs/localization.md, "Speed"). 0: every runner-up refined. 0…100.
    public var polishRivalScreen: Double = 2
    /// After a ranking on fewer antennas (`rankingAntennaStride`), the local grid's and the circles' this many
    /// cheapest candidates are scored again on every antenna and the picks come from them only: on a 4 × 4 array,
    /// ranking on 8 antennas alone loses frames at 5 dB that this recovers (docs/localization.md, "Speed"). nil:
    /// automatic — 32 for a planar array, none for a line (whose half-wavelength ranking on every other antenna
    /// loses nothing, and where the extra batch costs ≈ 8 % of a frame). 0: none; 1…1024.
    public var rankingRescored: Int? = nil

    // MARK: (c), (e) refinement
    /// Refinement run after the local grid and again after the circles.
    public var refinement: RefinementMethod = .levenbergMarquardt
    /// Iteration cap of Gauss–Newton / Levenberg–Marquardt.
    public var maxIterations: Int = 12
    /// LM stops when a step is shorter than this, m (10⁻⁸ m ≪ any noise-limited error).
    public var stepTolerance: Double = 1e-8
    /// …or when a step is below this fraction of one standard deviation of the estimate (noisy data).
    public var relativeStepTolerance: Double = 0.01
    /// Steps of gradient descent (Adam or backtracking), each, as published (N∇ = 100, §10.3).
    public var gradientSteps: Int = 100
    /// Adam learning rate in λ₀ (λ₀/200 ≈ 0.4 mm) and its decay per step (§10.3).
    public var adamLearningRateWavelengths: Double = 1.0 / 200.0
    public var adamDecay: Double = 0.97

    // MARK: (c') arc about a linear array's axis (3-D searches only)
    /// After the first refinement (and again after the second), score the phase-sensitive cost along the circle
    /// about the array axis through the fix (inside the region) and refine its best distinct points: a linear
    /// array cannot tell the points of that circle apart by the direct path (docs/localization.md, "UEs at any
    /// height"). Runs only when the search region is 3-D and the model's antennas are collinear.
    public var arc: Bool = true
    /// Spacing of the arc samples, λ₀ (λ₀/8, as the circles).
    public var arcSpacingWavelengths: Double = 0.125
    /// At most this many arc samples per search (nearest the fix first).
    public var arcMaxSamples: Int = 512
    /// Number of best distinct arc points (≥ λ₀/4 apart, the fix included) refined.
    public var arcCandidatesToRefine: Int = 4
    /// (b') In place of the local lattice (3-D searches with a linear array): the span stage — an (axial, radial)
    /// lattice around the global pick whose nodes are scored by the least-squares residual of the frame by the span
    /// of the model at `arcSpanSamples` points along the node's circle (the position on the circle left free);
    /// the best nodes' circles are then scanned and their best points refined (docs/localization.md, "UEs at any
    /// height").
    public var arcSpan: Bool = true
    /// Half-widths of the span lattice along the axis and radially, in global spacings, and its step, λ₀.
    public var arcSpanAxialHalfWidthSpacings: Double = 1.5
    public var arcSpanRadialHalfWidthSpacings: Double = 4.2
    public var arcSpanStepWavelengths: Double = 0.25
    /// Model channels per node spanning its circle (K).
    public var arcSpanSamples: Int = 6
    /// The span stage's costs (its lattice and sub-lattice) on every n-th antenna and subcarrier (from the first):
    /// fewer model entries per node; the circles of its picks are scanned on all of them, and the span ambiguity
    /// stage uses all of them. An antenna stride of 0 (the default) chooses: 2 where every other antenna still
    /// leaves at least 8, no more than λ₀ apart (`Localizer.coarseAntennaStride`), else 1.
    public var arcSpanCoarseAntennaStride: Int = 0
    public var arcSpanCoarseSubcarrierStride: Int = 1
    /// Best distinct nodes re-scored on a sub-lattice of a third of the step (0 = none).
    public var arcSpanRefinedNodes: Int = 48
    /// Best distinct nodes whose circles are scanned, and points of each circle refined.
    public var arcSpanCandidates: Int = 4
    public var arcSpanStartsPerCandidate: Int = 4
    /// The first refinement of the span stage's starts, screened (Levenberg–Marquardt only): every start runs at
    /// most `arcSpanScreenIterations` iterations, then the `arcSpanContinuedStarts` cheapest distinct ones that
    /// have not converged continue to convergence (0 = every start runs to convergence).
    public var arcSpanScreenIterations: Int = 2
    public var arcSpanContinuedStarts: Int = 8

    // MARK: (c'') ambiguity vectors (2-D searches)
    /// After the first refinement, refine from the fix plus each near-repeat offset of the model around it
    /// (`AmbiguityMap`, built once with the localizer) and keep the cheapest. `SearchMethod.configuration(nuisance:)`
    /// turns it on for frames with a nuisance, where the spurious minima are such near-repeats
    /// (docs/localization.md, "Unsynchronised frames").
    public var ambiguityStage: Bool = false
    /// Cell edge of the map, m; offsets searched within ±`ambiguityRadius`, m; vectors kept per cell.
    public var ambiguityCellSize: Double = 0.5
    public var ambiguityRadius: Double = 0.3
    public var ambiguityVectors: Int = 12
    /// A near-repeat's mismatch (nuisance-free, relative to the channel's energy) must be below this.
    public var ambiguityMaxMismatch: Double = 0.2
    /// The stage repeats from each better point it finds, at most this many rounds.
    public var ambiguityRounds: Int = 3
    /// The stage's refinements screened (Levenberg–Marquardt only): each runs at most this many iterations and is
    /// continued to convergence only where its Gauss–Newton predicted minimum could be cheaper than the fix or
    /// ambiguous with it (`Localizer.couldMatter`); the others are kept for the runner-up test at the cost they
    /// reached. 0: every refinement to convergence (docs/localization.md, "Speed").
    public var ambiguityScreenIterations: Int = 2
    /// Run the ambiguity stage only where a near-repeat could still be the fix: the test of `adaptiveCircles`
    /// against the mismatch of the model's refined near-repeats (measured on the same cells,
    /// `circleMapCellSize` × `circleMapSamples`). false = on every frame.
    public var adaptiveAmbiguity: Bool = true

    // MARK: (d) circles
    /// Whether to run the circle search (d) and the second refinement (e).
    public var circles: Bool = true
    /// Circle orders k: radii k·λ₀/c.
    public var circleOrders: [Int] = [1, 2]
    /// In-plane contraction factors c: spurious minima sit kλ₀/cos(elevation) away (§16.2, fix 2). [1] = as published.
    public var circleContractions: [Double] = [1, 0.9, 0.8, 0.7]
    /// Arc spacing of circle samples, λ₀ (λ₀/8 puts a sample inside the ~λ₀/2-wide true basin).
    public var circleArcSpacingWavelengths: Double = 0.125
    /// Number of best distinct circle candidates (≥ λ₀/4 apart, the current solution included) refined;
    /// the lowest refined cost wins. 1 = as published.
    public var circleCandidatesToRefine: Int = 4
    /// Run the circles (and the second refinement) only where they could change the fix: skipped when the first
    /// refinement's cost is below what any circle-reachable wrong minimum would cost (a bound from the model's
    /// own spurious circle minima around the fix, `CircleMismatchMap`, that holds whatever the noise level;
    /// docs/localization.md, "Adaptive circles"). false = always run them (as published).
    public var adaptiveCircles: Bool = true
    /// Cell edge of the circle mismatch map, m (its value at a fix is the minimum over the cells within the largest circle radius).
    public var circleMapCellSize: Double = 1.0
    /// Sample points per cell and axis where the map is measured.
    public var circleMapSamples: Int = 2

    // MARK: (f) adaptive retry
    /// When the fix's residual is above what a correct fix typically leaves (it is flagged
    /// `gross-error-suspected`, or it costs more than `widenedModelErrorSigmas` allows), search
    /// again on a local grid `widenedHalfWidthFactor` times wider around the global pick, refine its
    /// `widenedCandidatesToRefine` best distinct nodes and keep the cheapest result. Costs nothing on frames
    /// that fit; catches global picks that missed the true basin (docs/localization.md). 2-D searches only (in
    /// 3-D the wider lattice would cost hundreds of thousands of model values per frame).
    public var widenOnSuspect: Bool = true
    public var widenedHalfWidthFactor: Double = 2.5
    public var widenedCandidatesToRefine: Int = 8
    /// (f) also runs for a fix that passes the status test but costs more than the noise plus the model's local
    /// error at this quantile (standard deviations of its logarithm, like `modelErrorSigmas`; 0 = the median of the
    /// per-sample NMSE pooled in the fix's cell; −10 ≈ noise alone where the cell's log-spread is ≳ 0.5, and
    /// `modelQuality: false` is the noise-only test exactly, for the status too; without a quality map: noise
    /// alone). On poor models the fixes the status lets through still hold cheaper minima nearby
    /// (docs/localization.md, "Uncertainty and status").
    public var widenedModelErrorSigmas: Double = 0

    // MARK: beyond the paper
    /// Unknown nuisance parameters of measured CSI removed inside every phase-sensitive cost.
    public var nuisance: NuisanceModel = .none
    /// How the noise level used for the fix status is obtained.
    public var noiseFloor: NoiseFloor = .estimated
    /// With `noiseFloor` `.estimated`: use the SNR a frame reports (the wire header's `snr_db`, a dataset's
    /// `snr_db` key) when it has one in `ReportedSNR.plausible`, σ² = ‖H‖²/(N_a N_s (10^(SNR/10) + 1)),
    /// and estimate only the others. The receiver measures its SNR on the preamble; the frame's own estimate
    /// (windowed 2-D DFT bins) reads the paths' main lobes as noise too, ≈ 1.4× at 20 dB (docs/localization.md,
    /// "The noise estimate"). Applies
    /// only where the model's error is known: an oracle, or a model file with a quality map (and `modelQuality`);
    /// never above twice the frame's own estimate of σ².
    public var reportedSNR: Bool = true
    /// A fix is flagged `grossErrorSuspected` when residual / expected-noise-residual exceeds
    /// 1 + grossErrorSigmas·√(2/(2N_aN_s − dof)), i.e. this many standard deviations of its χ² distribution.
    public var grossErrorSigmas: Double = 4
    /// With a model that records its quality map (`ModelQualityMap`, model files from `csiloc train`): a correct
    /// fix leaves the noise plus the model's local error, so the test above allows, on top of the noise, the local
    /// NMSE's upper quantile times ‖H‖² (docs/localization.md, "Uncertainty and status"). false = noise alone.
    public var modelQuality: Bool = true
    /// The quantile of the local per-sample NMSE (log-normal across positions) allowed at a correct fix, in
    /// standard deviations of its logarithm: 2 → 97.7 % of correct positions.
    public var modelErrorSigmas: Double = 2
    /// A fix where the model's local ambiguity (the fraction of validation samples a neighbouring point fits
    /// better than the truth, `ModelQualityMap.ambiguity`) is above this is `model-untrusted` (`suspect` on the
    /// wire) whatever its cost: there a fix is more likely a neighbouring minimum than the truth, and a wrong fix
    /// fits better than a correct one would. 0.5 = flag where wrong is more likely than right; 1 = never.
    public var untrustedAmbiguity: Double = 0.5
    /// Whether a fix whose runner-up (the cheapest other refined minimum ≥ λ₀/2 away) could have swapped places with
    /// it is flagged `ambiguous` (docs/localization.md, "Uncertainty and status").
    public var flagAmbiguous: Bool = true
    /// The share ρ of the fix's excess residual (its cost above the noise's expectation: the model error there) that
    /// may line up with the difference between the fix's and the runner-up's channels. The fix is `ambiguous` when
    /// C_runner-up − C_fix < 2k²σ² + 4ρ²·excess, k = `runnerUpSigmas`; 0 = noise alone (0...1).
    public var runnerUpAlignment: Double = 0.3
    /// k above: the noise deviations by which the runner-up must lose. Noise alone swaps a fix and a runner-up that
    /// lose by exactly this much with probability Φ(−k): 3 → 0.13 % (0...10).
    public var runnerUpSigmas: Double = 3
    /// Carrier used for λ₀ and the timing-offset reference, Hz; nil = the mean model frequency.
    public var carrier: Double? = nil

    public init() {}
}

/// Measure of the global grid stage.
public enum GlobalMeasure: String, Sendable, Codable, CaseIterable {
    /// −‖H − f(x)‖_F (phase-sensitive, §9).
    case phaseSensitive = "ps"
    /// |⟨f(x), H⟩| / (‖f(x)‖‖H‖) — invariant to one common phase (the paper's PI, §10.4 form A).
    case phaseInsensitive = "pi"
    /// Cosine similarity of |2-D DFT (zero-padded ×2) of H| over antenna × subcarrier (§16.2).
    case angleDelay = "angle-delay"
}

/// Refinement of (c) and (e).
public enum RefinementMethod: String, Sendable, Codable, CaseIterable {
    case none
    /// Adam on ‖H − f(x)‖², as proposed for the published method (§10.3).
    case adam
    /// Plain gradient descent with a backtracking (Armijo) line search (§10.3).
    case gradientDescent = "gd"
    /// Levenberg–Marquardt (Gauss–Newton with damping) on the location and nuisance parameters (§16.3).
    case levenbergMarquardt = "lm"
}

/// Noise level used to decide whether a fix looks like a gross error.
public enum NoiseFloor: Sendable, Codable, Equatable {
    /// The frame's reported SNR when it has one (`LocalizerConfiguration.reportedSNR`), else estimated per frame
    /// from the median power of the frame's 2-D DFT bins (noise is white; paths are sparse).
    case estimated
    /// Known per-location SNR, dB: σ² = ‖H‖²/(N_a N_s (10^(SNR/10) + 1)) (‖H‖² includes the noise).
    case snrDB(Double)
    /// Known complex noise variance per entry.
    case variance(Double)
}

/// An axis-aligned search box (flat when `lower.z == upper.z`): the Codable mirror of `Region`.
public struct SearchRegion: Sendable, Codable, Equatable {
    public var lower: Point3
    public var upper: Point3
    public init(lower: Point3, upper: Point3) { self.lower = lower; self.upper = upper }
    public init(_ r: Region) {
        self.init(
            lower: Point3(r.x.lowerBound, r.y.lowerBound, r.z.lowerBound),
            upper: Point3(r.x.upperBound, r.y.upperBound, r.z.upperBound))
    }
    public var region: Region { Region(x: lower.x...upper.x, y: lower.y...upper.y, z: lower.z...upper.z) }
    /// Whether the search is 2-D (a plane at one height).
    public var isFlat: Bool { lower.z == upper.z }
    /// Number of searched coordinates (2 or 3).
    public var dimension: Int { isFlat ? 2 : 3 }
    /// Whether `p` lies inside, grown by `margin` on every searched axis.
    func contains(_ p: Point3, margin: Double) -> Bool {
        for c in 0..<dimension where p[c] < lower[c] - margin || p[c] > upper[c] + margin { return false }
        return true
    }
    /// `p` clamped to the box (grown by `margin`).
    func clamped(_ p: Point3, margin: Double = 0) -> Point3 {
        var q = p
        for c in 0..<3 {
            q[c] = min(max(q[c], lower[c] - (c < dimension ? margin : 0)), upper[c] + (c < dimension ? margin : 0))
        }
        return q
    }
}
