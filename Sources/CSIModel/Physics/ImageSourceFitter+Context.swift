import CSIChannel
import CSINumerics
import Foundation
import Numerics

/// The survey being fitted, what is derived from it once, and the operations every stage of the fit shares:
/// aligning the survey to a model, setting up a least-squares problem, solving gains, Levenberg–Marquardt, and
/// judging a model on validation. Immutable; the fit's progress lives in `FitState`.
struct FitContext: Sendable {
    let options: ImageSourceFitter.Options
    let train: TrainingData
    let validation: TrainingData
    let frame: ArrayFrame
    /// Mean survey position: the continuation disks' centre and every model's gain reference.
    let centre: Point3
    /// Height of a flat survey (every position on one horizontal plane), nil otherwise. A flat survey cannot tell
    /// a source from its mirror through that plane: sources are kept above it.
    let flatHeight: Double?
    /// Lowest and highest survey heights (the back-projection box of a 3-D survey).
    let heights: ClosedRange<Double>
    /// Largest distance of a survey point from `centre`.
    let reach: Double
    /// Subcarrier spacing when the subcarriers are evenly spaced (delays are then known modulo its inverse).
    let uniformSpacing: Double?
    /// Where candidates are looked for and the continuation's disks are centred: `centre`, or a sub-region's centre
    /// (`focused(on:radius:)`) when the search looks for a path the whole survey hides.
    private(set) var focus: Point3
    /// Radius of the sub-region in focus (nil: the whole survey): the back-projection uses its points only.
    private(set) var focusRadius: Double? = nil
    /// Survey point indices sorted by distance to `focus`, for disks.
    private(set) var byDistance: [Int]
    /// Half-widths of the coherent search: the array beamwidth (rad) and half the delay resolution (m).
    let angularHalfWidth: Double, rangeHalfWidth: Double
    /// The survey points sorted along every cut direction of the cell-wise gain maps (flat surveys with
    /// `cellGainMaps`), shared by every segmentation of the fit.
    let cutOrders: GainSegmentation.PointOrders?

    init(train: TrainingData, validation: TrainingData, options: ImageSourceFitter.Options) {
        self.options = options
        self.train = train
        self.validation = validation
        let frame = ArrayFrame(antennas: train.antennas)
        let centre = train.positions.reduce(Point3.zero, +) / Double(max(train.count, 1))
        self.frame = frame
        self.centre = centre
        self.focus = centre
        let zs = train.positions.map(\.z)
        flatHeight = (zs.max() ?? 0) - (zs.min() ?? 0) < 1e-6 ? (zs.first ?? 0) : nil
        heights = (zs.min() ?? 0)...(zs.max() ?? 0)
        reach = train.positions.map { ($0 - centre).length }.max() ?? 1
        let uniform = SubcarrierPlan(frequencies: train.frequencies).uniformSpacing
        uniformSpacing = uniform
        byDistance = train.positions.indices.sorted {
            (train.positions[$0] - centre).length < (train.positions[$1] - centre).length
        }
        let lambda = speedOfLight / train.carrier
        let aperture =
            max(frame.offsets.map { abs($0.x) }.max() ?? 0, frame.offsets.map { abs($0.y) }.max() ?? 0) * 2 + lambda / 2
        angularHalfWidth = min(0.6, max(0.12, lambda / aperture))
        let bandwidth = (train.frequencies.max() ?? 0) - (train.frequencies.min() ?? 0) + (uniform ?? 0)
        rangeHalfWidth = bandwidth > 0 ? min(6, max(1.5, 0.5 * speedOfLight / bandwidth)) : 6
        cutOrders =
            flatHeight != nil && options.tryGainMaps && options.cellGainMaps
            ? GainSegmentation.PointOrders(
                xy: train.positions.map { ($0.x, $0.y) }, directions: GainSegmentation.Options().directions) : nil
    }

    var isFlat: Bool { flatHeight != nil }

    /// The same survey with the search focused on the disk of `radius` around `point` (candidates, coherent search
    /// and continuation disks there; models, gains and validation unchanged).
    func focused(on point: Point3, radius: Double) -> FitContext {
        var c = self
        c.focus = point
        c.focusRadius = radius
        c.byDistance = train.positions.indices.sorted {
            (train.positions[$0] - point).length < (train.positions[$1] - point).length
        }
        return c
    }
    /// Every training point.
    var allPoints: [Int] { Array(0..<train.count) }
    /// Carrier wavelength (m).
    var wavelength: Double { speedOfLight / train.carrier }

    /// A model of `sources` in the survey's normalised units (scale 1), or with the survey's `scale` for model files.
    func model(_ sources: [ImageSource], _ phase: ArrayPhaseModel, scale: Double = 1) -> ImageSourceModel {
        ImageSourceModel(
            sources: sources, frame: frame, frequencies: train.frequencies, carrier: train.carrier,
            phaseModel: phase, gainReference: centre, scale: scale)
    }

    /// The survey at `idx` as `model` would have produced it (each frame's nuisance removed against the model's
    /// channel); the survey itself for a coherent one or before any source is known (`model` nil).
    func aligned(_ model: ImageSourceModel?, _ idx: [Int]) -> [Double] {
        let nuisance = options.nuisance, train = train, stride = train.valuesPerSample
        if nuisance == .none && idx.count == train.count { return train.channels } // every point: nothing to align
        var out = [Double](repeating: 0, count: idx.count * stride)
        guard nuisance != .none, let model else {
            for (i, m) in idx.enumerated() {
                for t in 0..<stride { out[i * stride + t] = train.channels[m * stride + t] }
            }
            return out
        }
        let pred = model.channels(at: idx.map { train.positions[$0] })
        out.withUnsafeMutableBufferPointer { ob in
            nonisolated(unsafe) let ob = ob
            Parallel.forEachChunk(count: idx.count, width: options.width, minChunk: 32) { range in
                var match = NuisanceMatch(model: model, nuisance: nuisance)
                for i in range {
                    let m = idx[i]
                    train.channels.withUnsafeBufferPointer {
                        match.load(UnsafeBufferPointer(rebasing: $0[(m * stride)..<((m + 1) * stride)]))
                    }
                    let fit = pred.withUnsafeBufferPointer { match.evaluate($0.baseAddress! + i * stride) }
                    match.align(alpha: fit.alpha, tau: fit.tau, into: ob.baseAddress! + i * stride)
                }
            }
        }
        return out
    }

    /// The least-squares problem of `sources` sources on the points `idx`, with the geometry of the sources in
    /// `free` and every gain as unknowns.
    func problem(
        _ idx: [Int], sources: Int, free: Set<Int>, phase: ArrayPhaseModel, slopes: [Int]
    ) -> ImageSourceProblem {
        let stride = train.valuesPerSample
        var ch = [Double](repeating: 0, count: idx.count * stride)
        for (i, m) in idx.enumerated() { for t in 0..<stride { ch[i * stride + t] = train.channels[m * stride + t] } }
        return ImageSourceProblem(
            positions: idx.map { train.positions[$0] }, channels: ch, frame: frame,
            frequencies: train.frequencies, carrier: train.carrier, phaseModel: phase,
            gainReference: centre, slopeAxes: slopes,
            geometryFree: (0..<sources).map { free.contains($0) }, width: options.width,
            nuisance: options.nuisance)
    }

    /// `sources` with every gain (and gain slope) solved on `p`'s points, the geometry fixed.
    func solveGains(_ p: ImageSourceProblem, _ sources: [ImageSource]) -> [ImageSource] {
        let fixed = ImageSourceProblem(
            positions: p.positions, channels: p.channels, frame: frame, frequencies: p.frequencies,
            carrier: p.carrier, phaseModel: p.phaseModel, gainReference: centre,
            slopeAxes: p.slopeAxes, geometryFree: sources.map { _ in false }, width: options.width,
            nuisance: p.nuisance)
        // Linear in the gains for a coherent survey (one exact step); with a nuisance the gains and each
        // frame's α couple, so a few Gauss–Newton steps, each kept only if it lowers the cost.
        var current = sources
        var currentCost = p.nuisance == .none ? 0 : fixed.cost(current)
        for _ in 0..<(p.nuisance == .none ? 1 : 4) {
            let (_, jtj, jtr) = fixed.normalEquations(current)
            let n = jtr.count
            var a = jtj
            var trace = 0.0
            for i in 0..<n { trace += jtj[i * n + i] }
            for i in 0..<n { a[i * n + i] += 1e-9 * trace / Double(max(n, 1)) + 1e-300 }
            guard let raw = Cholesky.solve(a, jtr.map { -$0 }, n: n) else { break }
            let theta = fixed.pack(current)
            let step = fixed.withoutGauge(raw, at: theta)
            let next = fixed.unpack(zip(theta, step).map { $0 + $1 }, base: current)
            if p.nuisance == .none { return next }
            let nextCost = fixed.cost(next)
            guard nextCost < currentCost else { break }
            current = next; currentCost = nextCost
        }
        return current
    }

    /// How far a refit is taken.
    enum Convergence {
        /// Until a step lowers the cost by less than 10⁻⁹ of it: the refinements that shape the final model.
        case full
        /// Until a step lowers the cost by less than `Options.searchTolerance` of it: the path search's trials,
        /// judged in quarter-decibels (coherent surveys; an unsynchronised one converges slowly along its frames'
        /// common delay and keeps `full`).
        case search
    }

    /// `sources` refined by Levenberg–Marquardt on `p` (steps kept off the gauge directions) to `convergence`; a
    /// flat survey's sources are then kept above its plane.
    func levenbergMarquardt(
        _ p: ImageSourceProblem, _ sources: [ImageSource], convergence: Convergence = .full
    ) -> [ImageSource] {
        var opts = LevenbergMarquardt.Options()
        opts.maxIterations = options.iterations * (options.nuisance == .none ? 1 : 4)
        if convergence == .search && options.nuisance == .none { opts.tolerance = options.searchTolerance }
        let solver = LevenbergMarquardt(options: opts)
        let base = sources
        let (theta, _) = solver.minimize(
            p.pack(base),
            normal: { p.normalEquations(p.unpack($0, base: base)) },
            cost: { p.cost(p.unpack($0, base: base)) },
            apply: { theta, step in zip(theta, p.withoutGauge(step, at: theta)).map { $0 + $1 } })
        var out = p.unpack(theta, base: base)
        if let z0 = flatHeight { for l in out.indices { out[l] = ImageSourceFitter.mirrorAbove(out[l], z0: z0) } }
        return out
    }

    /// Gains solved, then every unknown of `p` refined to `convergence`: one refit of `sources` on `p`.
    func refit(_ p: ImageSourceProblem, _ sources: [ImageSource], convergence: Convergence = .full) -> [ImageSource] {
        levenbergMarquardt(p, solveGains(p, sources), convergence: convergence)
    }

    /// A model and its validation NMSE.
    struct Judgement {
        var model: ImageSourceModel
        var validationDB: Double
        /// Whether `model` carries a gain map (width λ) because that judged better than constant gains.
        var mapped: Bool
    }

    /// The model of `sources` judged on validation: with constant gains, or — with `gainMaps` — also with per-path
    /// gains mapped over the survey (width λ), whichever is better.
    func judge(_ sources: [ImageSource], _ phase: ArrayPhaseModel, gainMaps: Bool) -> Judgement {
        let plain = model(sources, phase)
        let plainDB = validationDB(plain)
        guard gainMaps, !sources.isEmpty else { return Judgement(model: plain, validationDB: plainDB, mapped: false) }
        var m = plain
        let estimator = GainMapEstimator(
            model: m, positions: train.positions, channels: aligned(m, allPoints), width: options.width)
        let local = estimator.localGains()
        m.gainMap = estimator.map(sigma: wavelength, local: local)
        var best = Judgement(model: plain, validationDB: plainDB, mapped: false)
        let mappedDB = validationDB(m)
        if mappedDB < best.validationDB { best = Judgement(model: m, validationDB: mappedDB, mapped: true) }
        if options.cellGainMaps {
            // Smoothed only inside straight-edged cells: a path blocked over part of the area keeps its edges.
            let segmentations = estimator.segmentations(local: local, orders: cutOrders)
            if segmentations.contains(where: { $0.cellCount > 1 }) {
                var c = plain
                c.gainMap = estimator.map(
                    sigma: wavelength, spacing: GainMapTrial.cellMapSpacing(context: self, paths: sources.count),
                    local: local, segmentations: segmentations)
                let cellDB = validationDB(c)
                if cellDB < best.validationDB { best = Judgement(model: c, validationDB: cellDB, mapped: true) }
            }
        }
        return best
    }

    /// `judge`, and the judged model with its question (for `FitState.lastJudged`).
    func judgeKeeping(
        _ sources: [ImageSource], _ phase: ArrayPhaseModel, gainMaps: Bool
    ) -> (judgement: Judgement, judged: JudgedModel) {
        let j = judge(sources, phase, gainMaps: gainMaps)
        return (
            j, JudgedModel(question: .init(sources: sources, phaseModel: phase, gainMaps: gainMaps), model: j.model)
        )
    }

    /// Validation NMSE (dB) of `model`, each frame after its own nuisance.
    func validationDB(_ model: ImageSourceModel) -> Double {
        ChannelError.measure(
            model, positions: validation.positions, reference: validation.channels,
            nuisance: options.nuisance, width: options.width
        ).nmseDB
    }

    /// The survey's residual at `idx` against `model`, one array per point; the survey is first aligned to the
    /// model when `alignToModel` (once any source is known).
    func residuals(against model: ImageSourceModel, alignToModel: Bool, _ idx: [Int]) -> [[Double]] {
        let stride = train.valuesPerSample
        let pred = model.channels(at: idx.map { train.positions[$0] })
        let data = aligned(alignToModel ? model : nil, idx)
        return idx.indices.map { i in (0..<stride).map { data[i * stride + $0] - pred[i * stride + $0] } }
    }
}

/// Draws the survey points of each least-squares stage: disks around the survey centre, subsampled by the fit's
/// seeded generator (the draws' order is part of the result).
struct PointSampler {
    private var rng: SeededGenerator
    private let context: FitContext

    init(context: FitContext) {
        self.context = context
        rng = SeededGenerator(seed: context.options.seed, stream: 0x4649_5400) // "FIT"
    }

    /// The points within `radius` of the survey centre (the focus; nil: all; at least the 40 nearest), at most `limit` of
    /// them drawn at random, in index order.
    mutating func points(within radius: Double?, limit: Int) -> [Int] {
        let (positions, centre, byDistance) = (context.train.positions, context.focus, context.byDistance)
        var inside = radius.map { r in byDistance.filter { (positions[$0] - centre).length <= r } } ?? byDistance
        if inside.count < 40 { inside = Array(byDistance.prefix(min(byDistance.count, 40))) }
        if inside.count > limit {
            var shuffled = inside
            shuffled.shuffle(using: &rng)
            inside = Array(shuffled.prefix(limit)).sorted()
        }
        return inside
    }
}

/// The caller's progress, cancellation and checkpoint callbacks, and the fit's clock.
struct FitReporter {
    let start: Date
    let progress: (ImageSourceFitter.Progress) -> Void
    let cancelled: () -> Bool
    let checkpoint: (ImageSourceModel, Double) -> Void

    /// Seconds since the fit started.
    var elapsed: Double { Date().timeIntervalSince(start) }

    func report(_ event: ImageSourceFitter.Progress.Event, sources: Int, validationDB: Double) {
        progress(
            ImageSourceFitter.Progress(event: event, sources: sources, validationNMSEDB: validationDB, elapsed: elapsed)
        )
    }
}

/// What the fit has accepted so far; each stage reads it and records what it decides.
struct FitState {
    var sources: [ImageSource] = []
    var phaseModel = ArrayPhaseModel.spherical
    /// Axes along which gains vary linearly (empty: constant gains).
    var slopeAxes: [Int] = []
    /// Per-path gain maps (set only by the final gain-map stage).
    var gainMap: GainMap? = nil
    /// Validation NMSE (dB) of the model accepted so far; 0 dB for the empty model.
    var validationDB = 0.0
    /// Whether candidates are judged with gain maps too (switched on when the constant-gain search stalls).
    var gainMapsInSearch = false
    /// Whether the model last accepted was judged with a gain map.
    var acceptedWithMap = false
    /// Paths accepted from images predicted by the geometry (`ImageGeometry`).
    var predictedAccepted = 0
    var history: [(sources: Int, validationNMSEDB: Double)] = []
    var decisions: [ImageSourceFitter.Decision] = []
    /// The model `FitContext.judge` last gave for a question about this state, when a stage kept it: the next
    /// path's residual model is then not judged a second time (with gain maps in the search, a judgement is a
    /// fit of every path's gain map, as costly as the continuation by 20 paths).
    var lastJudged: JudgedModel? = nil

    /// The model `FitContext.judge` gives for the current sources, phase model and `gainMapsInSearch`, if known.
    var judgedModel: ImageSourceModel? {
        guard let j = lastJudged,
            j.question == JudgedModel.Question(sources: sources, phaseModel: phaseModel, gainMaps: gainMapsInSearch)
        else { return nil }
        return j.model
    }

    /// Makes `fit` the model so far: its sources, phase model and validation NMSE, and whether it was judged with a
    /// gain map.
    mutating func adopt(_ fit: JudgedFit) {
        phaseModel = fit.phaseModel
        acceptedWithMap = fit.mapped
        sources = fit.sources
        validationDB = fit.validationDB
        if let judged = fit.judged { lastJudged = judged }
    }
}

/// A model `FitContext.judge` gave, and the question it answered.
struct JudgedModel {
    struct Question: Equatable {
        var sources: [ImageSource]
        var phaseModel: ArrayPhaseModel
        var gainMaps: Bool
    }
    var question: Question
    var model: ImageSourceModel
}

/// Sources fitted under a phase model and judged on validation: what a stage (a candidate path, the phase model's
/// second look) hands back for the fit to adopt.
struct JudgedFit {
    var sources: [ImageSource]
    var phaseModel: ArrayPhaseModel
    var validationDB: Double
    /// Whether it was judged with a gain map (`FitState.gainMapsInSearch`).
    var mapped: Bool
    /// The first path's phase-model comparison, recorded if the candidate is accepted.
    var phaseComparison: ImageSourceFitter.Decision? = nil
    /// The judged model, kept for the next path's residual when the stage had it at hand.
    var judged: JudgedModel? = nil
}
