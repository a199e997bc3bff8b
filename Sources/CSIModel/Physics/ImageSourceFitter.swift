public import CSIChannel
import CSINumerics
import Foundation
import Numerics

/// Fits an `ImageSourceModel` to a survey, greedily and blind (docs/method.md §16.1): find a new source by
/// angle–delay back-projection of the residual, refine it by a coherent search, solve all gains by linear
/// least squares, run Levenberg–Marquardt with a spatial continuation (a disk around the survey centre
/// growing to the whole area), subtract, and repeat while the validation NMSE improves. Then choose the
/// array phase model, optional linear gain variation and per-path gain maps by validation NMSE.
///
/// `fit` runs a pipeline of stages (listed there), each a small type over the shared `FitContext` that records
/// what it decides as typed `Decision` values; they are rendered to text only at the edge (`Result.decisions`).
public struct ImageSourceFitter: Sendable {
    /// Settings of one fit.
    public struct Options: Sendable {
        /// Upper bound on the number of paths.
        public var maxSources = 40
        /// A new source is kept only if it improves the validation NMSE by at least this much.
        var minimumImprovementDB = 0.25
        /// Survey points used for back-projection.
        var backProjectionPoints = 300
        /// Points per continuation stage and for the joint fits.
        var stagePoints = 1500
        /// Continuation disk radii (m) around the survey centre; the last stage is the whole area.
        var continuationRadii: [Double] = [0.8, 1.6, 3.2, 6.4]
        /// Stop adding paths once the validation NMSE is below this (complex64 data resolve ≈ −140 dB).
        var floorDB = -100.0
        /// Stop adding paths once the validation NMSE is within this many dB of the data's measurement-noise floor
        /// (`ResidualNoiseFloor`, estimated on the validation residual) and that residual looks white.
        var noiseFloorMarginDB = 0.5
        /// A new path that improves validation NMSE by less than this (dB) counts as slow progress: the search
        /// then checks whether gain maps would explain much more (≥ 3 dB) and, if so, continues with them.
        var slowProgressDB = 1.0
        /// Back-projection peaks tried for each new path before giving up.
        var candidatesPerPath = 3
        /// When none of a path's candidates improves, the search looks again in this many sub-regions (disks of
        /// each of `subRegionRadiusFractions` × the survey's reach, largest first, holding the most residual energy)
        /// before it stops: a path blocked over much of the survey is found where it is seen (0: never).
        var subRegionsPerPath = 3
        var subRegionRadiusFractions = [0.4]
        /// Images predicted from the reflectors the fitted sources reveal (`ImageGeometry`), tried before the
        /// back-projection peaks for each new path, best matched-filter score first.
        var geometricCandidatesPerPath = 2
        /// A predicted image is tried only if it explains at least this share of the residual energy at the
        /// coherent-search points (gain-free matched filter).
        var geometricMinimumShare = 0.01
        /// Points for the coherent search (nearest the survey centre).
        var coherentPoints = 160
        /// Try the plane-wave array phase model and keep it if better on validation.
        var tryPlaneWave = true
        /// Try gains varying linearly with position and keep them if better on validation.
        var tryGainSlopes = true
        /// Try per-path gain maps (kernel widths λ/2, λ, 2λ) and keep the best if better on validation.
        var tryGainMaps = true
        /// Use gain maps (width λ) while searching for paths too: slower per path, but blockage no longer
        /// looks like missing paths.
        var gainMapsDuringSearch = true
        /// Whether gain maps may also be smoothed only inside straight-edged cells of each path's local gains
        /// (`GainSegmentation`: blockage edges kept sharp), during the search and in the final gain-map stage.
        var cellGainMaps = true
        /// Levenberg–Marquardt iterations per stage (4× with a nuisance: the common delay of all sources is then
        /// nearly absorbed by the frames' timing offsets, and LM converges slowly along that direction).
        var iterations = 25
        /// Relative cost decrease of a Levenberg–Marquardt step below which the path search's refits stop on a
        /// coherent survey (the continuation's stages, the first path's phase-model choice, a diffracted
        /// candidate's refit; `FitContext.Convergence.search`). They are judged against `minimumImprovementDB` (a
        /// 5.6 % change of the validation cost): on a survey the sources cannot explain exactly every refit used to
        /// run all `iterations` gaining 10⁻⁵ of its cost per step, which changes no decision. The accepted paths
        /// are then refitted jointly to 10⁻⁹ (`JointRefit`), as every refinement after the search is.
        var searchTolerance = 1e-4
        /// Stop adding sources after this many seconds (nil: no limit).
        var timeBudget: Double? = nil
        /// Edges the scene is known to have (a building outline: `csiloc train --edges`). Before each new point
        /// source the search tries a path that bends around each of them — from the array and from each image
        /// found so far (reflect, then diffract) — and keeps the best if it improves validation NMSE
        /// (docs/model.md, "Diffracted paths"). Empty: point sources only.
        public var edges: [EdgeLine] = []
        /// Per-frame unknowns of the survey (docs/model.md, "Unsynchronised surveys"): every cost is then the
        /// variable-projection one (each frame's own best gain, phase, timing offset), the first source is found
        /// by per-frame (incoherent) searches, later ones on the survey aligned to the model found so far.
        public var nuisance: NuisanceModel = .none
        /// Seed of the fit's random draws (same data and seed: same model).
        public var seed: UInt64 = 1
        /// Threads used (default: the active CPUs).
        public var width = Parallel.defaultWidth
        /// Creates the defaults documented on each property.
        public init() {}
    }

    /// What the fitter is doing, for progress lines.
    public struct Progress: Sendable {
        /// The stage the fit is in.
        var event: Event
        /// Paths in the model being fitted (the accepted ones, plus the candidate during its continuation).
        public var sources: Int
        /// Validation NMSE of the model accepted so far.
        public var validationNMSEDB: Double?
        /// Seconds since the fit started.
        public var elapsed: Double
        /// The stage as shown in progress lines (`event` rendered).
        public var stage: String { event.description }
    }

    /// The fitted model and what was decided along the way.
    public struct Result: Sendable {
        /// The fitted model.
        public var model: ImageSourceModel
        /// Validation NMSE of the fitted model, dB.
        public var validationNMSEDB: Double
        /// The decisions, in order, as typed values.
        var decisionValues: [Decision]
        var history: [(sources: Int, validationNMSEDB: Double)]
        /// The decisions rendered as text: what the trainer logs and writes into the model file's `decisions`.
        public var decisions: [String] { decisionValues.map(\.description) }
    }

    /// The settings `fit` uses.
    public var options: Options
    /// Creates a fitter with `options`.
    public init(options: Options = Options()) { self.options = options }

    /// Fits `train`, choosing by `validation` (both prepared with the same scale).
    /// `checkpoint` receives the model (normalised units, scale applied) each time a path is accepted.
    ///
    /// The stages, in order: the greedy path search (`PathSearch`: candidates by back-projection, the coherent
    /// search and the geometry's predictions, each through the continuation fit; the first path also chooses the
    /// array phase model), a second look at the phase model with all paths in (`PhaseModelReview`), gains varying
    /// linearly with position (`GainSlopeTrial`), per-path gain maps (`GainMapTrial`), and for an unsynchronised
    /// survey the gauge convention (`pinnedToGauge`).
    public func fit(
        train: TrainingData, validation: TrainingData,
        progress: (Progress) -> Void = { _ in }, cancelled: () -> Bool = { false },
        checkpoint: (ImageSourceModel, Double) -> Void = { _, _ in }
    ) -> Result {
        let start = Date()
        return withoutActuallyEscaping(progress) { progress in
            withoutActuallyEscaping(cancelled) { cancelled in
                withoutActuallyEscaping(checkpoint) { checkpoint in
                    let reporter = FitReporter(
                        start: start, progress: progress, cancelled: cancelled, checkpoint: checkpoint)
                    return fit(FitContext(train: train, validation: validation, options: options), reporter: reporter)
                }
            }
        }
    }

    /// The stages of `fit`, run on `context` and reporting to `reporter`.
    func fit(_ context: FitContext, reporter: FitReporter) -> Result {
        var sampler = PointSampler(context: context)
        let wholeArea = sampler.points(within: nil, limit: options.stagePoints)
        var state = FitState()
        PathSearch(context: context, reporter: reporter, wholeArea: wholeArea).run(&state, sampler: &sampler)
        if state.sources.count == options.maxSources { state.decisions.append(.maximumPaths(options.maxSources)) }
        if state.predictedAccepted > 0 {
            state.decisions.append(.predictedPaths(predicted: state.predictedAccepted, paths: state.sources.count))
        }
        refine(&state, context: context, reporter: reporter, wholeArea: wholeArea)
        var final = context.model(state.sources, state.phaseModel, scale: context.train.scale)
        final.gainMap = state.gainMap
        if options.nuisance != .none && !state.sources.isEmpty {
            let pinned = Self.pinnedToGauge(
                final, train: context.train, nuisance: options.nuisance, width: options.width)
            state.decisions.append(.gaugePinned(nuisance: options.nuisance, factor: pinned.factor))
            final = pinned.model
        }
        return Result(
            model: final, validationNMSEDB: state.validationDB, decisionValues: state.decisions, history: state.history)
    }

    /// The optional refinements after the path search, each kept only if better on validation: the joint refit to
    /// full convergence (coherent surveys), the phase model's second look (more than one path), gain slopes, gain
    /// maps (flat surveys).
    func refine(_ state: inout FitState, context: FitContext, reporter: FitReporter, wholeArea: [Int]) {
        if JointRefit.applies(to: state, context: context) && !reporter.cancelled() {
            reporter.report(.jointRefit, sources: state.sources.count, validationDB: state.validationDB)
            let joint = JointRefit(context: context, wholeArea: wholeArea).run(state)
            state.decisions.append(joint.decision)
            if let kept = joint.kept { state.adopt(kept) }
        }
        if options.tryPlaneWave && state.sources.count > 1 && !reporter.cancelled() {
            reporter.report(.phaseModelReview, sources: state.sources.count, validationDB: state.validationDB)
            let review = PhaseModelReview(context: context, wholeArea: wholeArea).run(state)
            state.decisions.append(review.decision)
            if let s = review.switch { state.adopt(s) }
        }
        state.decisions.append(.phaseModel(state.phaseModel))
        if options.tryGainSlopes && !state.sources.isEmpty && !reporter.cancelled() {
            reporter.report(.gainSlopes, sources: state.sources.count, validationDB: state.validationDB)
            let slopes = GainSlopeTrial(context: context, wholeArea: wholeArea).run(state)
            state.decisions.append(slopes.decision)
            if let kept = slopes.kept {
                state.sources = kept.sources; state.validationDB = kept.validationDB; state.slopeAxes = kept.axes
            }
        }
        if options.tryGainMaps && context.isFlat && !state.sources.isEmpty && !reporter.cancelled() {
            reporter.report(.gainMaps, sources: state.sources.count, validationDB: state.validationDB)
            let maps = GainMapTrial(context: context, wholeArea: wholeArea).run(state)
            if let kept = maps.kept {
                state.validationDB = kept.validationDB; state.gainMap = kept.model.gainMap;
                state.sources = kept.model.sources
                state.slopeAxes = []
            }
            state.decisions.append(maps.decision)
        }
    }

    /// A source mirrored through the plane z = z0 (indistinguishable from a flat survey), kept above it.
    static func mirrorAbove(_ s: ImageSource, z0: Double) -> ImageSource {
        s.center.z < z0 ? mirrored(s, z0: z0) : s
    }

    /// A source (and its edge) mirrored through the plane z = z0.
    static func mirrored(_ s: ImageSource, z0: Double) -> ImageSource {
        var m = s
        m.center.z = 2 * z0 - s.center.z
        m.e1.z = -s.e1.z; m.e2.z = -s.e2.z; m.e3.z = -s.e3.z
        m.edge = s.edge?.mirrored(z0: z0)
        return m
    }
}
