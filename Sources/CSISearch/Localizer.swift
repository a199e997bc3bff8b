public import CSIChannel
public import CSINumerics

/// Locates a transmitter by inverting any differentiable channel model (docs/method.md §9–§11, §16):
/// (a) a global grid over a cached dictionary, (b) a local phase-sensitive grid, (c) refinement,
/// (d) circles at the spurious-minimum radii, (e) refinement again — as selected by the configuration.
///
/// Build one per model and configuration (this evaluates the model on the global grid once); it is an
/// immutable `Sendable` value whose dictionary is shared by reference between copies and threads.
/// Give each worker its own `LocalizerScratch` (`makeScratch()`); `localize` then touches nothing else,
/// so one worker per core runs without locks.
public struct Localizer: Sendable {
    public let model: any ChannelModel
    /// The model that ranks grid candidates: `model.scoringBase` with `scoreWithBase`, else `model`.
    let scorer: any ChannelModel
    /// The model refinements run on: `model.scoringBase` with `refineWithBase`, else `model`.
    let refiner: any ChannelModel
    /// Whether `refiner` is not the model, so the fix is polished with the model (`SearchStage.polish`).
    let polishes: Bool
    public let configuration: LocalizerConfiguration
    /// The searched box (the configuration's, else the one given at construction).
    public let region: SearchRegion
    /// The cached global grid.
    public let dictionary: GlobalDictionary
    /// Carrier wavelength λ₀, m.
    public let wavelength: Double
    let reference: Double
    let transform: AngleDelayTransform
    let localOffsets: [Point3]
    /// The local grid's and the circles' costs are on every n-th antenna (`LocalizerConfiguration.rankingAntennaStride`):
    /// 1 when they are the fix's cost (no refinement follows) or the array is too small.
    let rankingAntennaStride: Int
    /// Candidates of a coarse ranking scored again on every antenna (`LocalizerConfiguration.rankingRescored`,
    /// resolved: 32 for a planar array, 0 for a line, unless configured).
    let rankingRescored: Int
    let circleOffsets: [Point3]
    let widenedOffsets: [Point3]
    /// The axis of the model's antennas when they are collinear and the search is 3-D (the arc stage), else nil.
    let arrayAxis: ArrayAxis?
    /// Arc samples per frame at most.
    let arcLimit: Int
    /// The (axial, radial) lattice of the span stage (3-D searches with a linear array and `arcSpan`), else nil.
    let spanLattice: ArcSpanLattice?
    /// The span stage's resolutions: the full one (refinement), then the coarse lattice's if it is decimated.
    let spanLevels: [SpanLevel]
    /// Near-repeat offsets of the model per cell (2-D searches with `ambiguityStage`), else nil.
    let ambiguityMap: AmbiguityMap?
    /// The model's local quality (validation NMSE per region), when its file records it: the fix status allows
    /// for the model's error there (docs/localization.md, "Uncertainty and status").
    public let quality: ModelQualityMap?
    /// Whether a frame's reported SNR sets its noise level (`LocalizerConfiguration.reportedSNR`): only where the
    /// model's error is known — an oracle, or a model whose quality map the status uses (`modelQuality`). Else the
    /// residual of a correct fix holds an unknown model error, and the frame's own estimate (which counts whatever
    /// of that error fills its median bins as noise) is the more lenient of the two.
    let reportedSNRApplies: Bool
    /// The smallest mismatch of the model's spurious circle minima per cell, when the circles are adaptive
    /// (`adaptiveCircles`): the circle stage then runs only on frames where it could change the fix.
    private(set) var circleMap: CircleMismatchMap?
    /// The same for the ambiguity stage's near-repeats (`adaptiveAmbiguity`, searches with an ambiguity map).
    private(set) var ambiguityMismatchMap: CircleMismatchMap?
    /// Near-repeat (axial, radial) offsets of the model per cell, for 3-D searches with the span stage and
    /// `ambiguityStage` (`AmbiguityMap.buildSpan`), else nil.
    private(set) var spanAmbiguityMap: AmbiguityMap?

    /// - Parameters:
    ///   - region: default search region (e.g. the model's training box); the configuration may override it.
    ///   - width: threads used to build the dictionary.
    /// Builds a localizer after `configuration.validate(model:region:limits:)`: every value read from a
    /// configuration file, a command line or a model file goes through here, so a bad one is an error naming
    /// the field and the limit, never a trap or an exhausted memory.
    ///   - quality: the model's quality map (`ModelHeader.quality`), used for the fix status; nil = noise alone.
    public init(
        validating model: any ChannelModel, region: Region, configuration: LocalizerConfiguration = .init(),
        limits: LocalizerLimits = .default, width: Int = Parallel.defaultWidth, quality: ModelQualityMap? = nil
    ) throws {
        try configuration.validate(model: model, region: SearchRegion(region), limits: limits)
        self.init(checked: model, region: region, configuration: configuration, width: width, quality: quality)
    }

    /// Builds a localizer from values known to be valid (tests, built-in presets); traps with the validation
    /// error otherwise. Use `init(validating:…)` for anything that comes from outside the program.
    public init(
        model: any ChannelModel, region: Region, configuration: LocalizerConfiguration = .init(),
        width: Int = Parallel.defaultWidth, quality: ModelQualityMap? = nil
    ) {
        do { try configuration.validate(model: model, region: SearchRegion(region)) } catch {
            preconditionFailure("invalid localizer configuration: \(error)")
        }
        self.init(checked: model, region: region, configuration: configuration, width: width, quality: quality)
    }

    private init(
        checked model: any ChannelModel, region: Region, configuration: LocalizerConfiguration, width: Int,
        quality: ModelQualityMap?
    ) {
        self.model = model
        self.quality = quality
        reportedSNRApplies =
            configuration.reportedSNR && ((configuration.modelQuality && quality != nil) || model.isOracle)
        self.scorer = configuration.scoreWithBase ? (model.scoringBase ?? model) : model
        polishes = configuration.refineWithBase && model.scoringBase != nil
        refiner = polishes ? (model.scoringBase ?? model) : model
        self.configuration = configuration
        let region = configuration.region ?? SearchRegion(region)
        self.region = region
        let freqs = model.frequencies
        reference = configuration.carrier ?? freqs.reduce(0, +) / Double(freqs.count)
        wavelength = speedOfLight / reference
        transform = AngleDelayTransform(
            antennas: model.antennaCount, subcarriers: model.subcarrierCount,
            timingInvariant: configuration.nuisance == .phaseGainAndTiming)
        dictionary = GlobalDictionary(
            model: model, region: region, spacing: configuration.globalSpacing,
            measure: configuration.globalMeasure, transform: transform,
            prescreenStride: configuration.globalMeasure == .angleDelay ? configuration.globalPrescreenStride : 1,
            width: width)
        arrayAxis =
            configuration.arc && region.dimension == 3
            ? ArrayAxis(antennas: model.antennaPositions, tolerance: wavelength / 100) : nil
        arcLimit = arrayAxis == nil ? 0 : max(0, min(configuration.arcMaxSamples, 1 << 14))
        spanLattice =
            arrayAxis != nil && configuration.arcSpan
            ? ArcSpanLattice(
                axialHalfWidth: configuration.arcSpanAxialHalfWidthSpacings * configuration.globalSpacing,
                radialHalfWidth: configuration.arcSpanRadialHalfWidthSpacings * configuration.globalSpacing,
                step: configuration.arcSpanStepWavelengths * wavelength, samples: configuration.arcSpanSamples)
            : nil
        if spanLattice != nil {
            let timing = configuration.nuisance == .phaseGainAndTiming
            let full = SpanLevel(
                frequencies: freqs, antennas: model.antennaCount, reference: reference, antennaStride: 1,
                subcarrierStride: 1, timing: timing)
            let sa = Self.coarseAntennaStride(
                configured: configuration.arcSpanCoarseAntennaStride, antennas: model.antennaPositions,
                wavelength: wavelength)
            let ss = configuration.arcSpanCoarseSubcarrierStride
            spanLevels =
                sa == 1 && ss == 1
                ? [full]
                : [
                    full,
                    SpanLevel(
                        frequencies: freqs, antennas: model.antennaCount, reference: reference, antennaStride: sa,
                        subcarrierStride: ss, timing: timing),
                ]
        } else {
            spanLevels = []
        }
        let localHalfWidth =
            configuration.localHalfWidth ?? configuration.localHalfWidthSpacings * configuration.globalSpacing
        // With the arcs searching around a linear array's axis, the local lattice stays in the global pick's plane.
        localOffsets =
            !configuration.localGrid || spanLattice != nil
            ? []
            : Self.latticeOffsets(
                halfWidth: localHalfWidth,
                verticalHalfWidth: configuration.localVerticalHalfWidth ?? configuration.globalSpacing,
                step: configuration.localStepWavelengths * wavelength,
                dimension: region.dimension)
        circleOffsets = configuration.circles ? Self.circleOffsets(configuration, wavelength: wavelength) : []
        rankingAntennaStride =
            (localOffsets.isEmpty && circleOffsets.isEmpty) || configuration.refinement == .none
                || configuration.maxIterations == 0
                || (configuration.rankingAntennaStride == 0 && !scorer.correlatesFewerAntennasFaster)
            ? 1
            : Self.rankingAntennaStride(
                configured: configuration.rankingAntennaStride, antennas: model.antennaPositions,
                wavelength: wavelength)
        rankingRescored =
            configuration.rankingRescored
            ?? (ArrayAxis(antennas: model.antennaPositions, tolerance: wavelength / 100) != nil ? 0 : 32)
        widenedOffsets =
            configuration.widenOnSuspect && region.dimension == 2
            ? Self.latticeOffsets(
                halfWidth: configuration.widenedHalfWidthFactor * localHalfWidth, verticalHalfWidth: 0,
                step: configuration.localStepWavelengths * wavelength, dimension: 2)
            : []
        ambiguityMap =
            configuration.ambiguityStage && region.dimension == 2 && configuration.refinement != .none
            ? AmbiguityMap.build(
                model: model, region: region, reference: reference, nuisance: configuration.nuisance,
                cellSize: configuration.ambiguityCellSize, radius: configuration.ambiguityRadius,
                step: configuration.localStepWavelengths * wavelength,
                count: configuration.ambiguityVectors, maxMismatch: configuration.ambiguityMaxMismatch,
                width: width)
            : nil
        circleMap = nil
        ambiguityMismatchMap = nil
        if configuration.circles && configuration.adaptiveCircles && configuration.refinement != .none {
            let reach = circleOffsets.reduce(0.0) { Swift.max($0, $1.length) }
            circleMap = CircleMismatchMap.build(
                self, cellSize: configuration.circleMapCellSize,
                samples: configuration.circleMapSamples, reach: reach, width: width)
        }
        spanAmbiguityMap = nil
        if buildsSpanAmbiguityMap {
            spanAmbiguityMap = AmbiguityMap.buildSpan(
                self, cellSize: configuration.ambiguityCellSize, radius: configuration.ambiguityRadius,
                count: configuration.ambiguityVectors, maxMismatch: configuration.ambiguityMaxMismatch, width: width)
        }
        if ambiguityMap != nil && configuration.adaptiveAmbiguity {
            ambiguityMismatchMap = CircleMismatchMap.build(
                self, cellSize: configuration.circleMapCellSize,
                samples: configuration.circleMapSamples,
                reach: configuration.ambiguityRadius, width: width
            ) { l, p, s in
                l.spuriousAmbiguityMismatch(at: p, &s)
            }
        }
    }

    /// A scratch space for one worker.
    public func makeScratch() -> LocalizerScratch { LocalizerScratch(self) }

    /// Whether the span ambiguity map is (to be) built: 3-D span searches with the ambiguity stage and refinement.
    var buildsSpanAmbiguityMap: Bool {
        configuration.ambiguityStage && spanLattice != nil && configuration.refinement != .none
    }

    /// A scratch space whose span node buffers hold at least `spanNodes` nodes (building the span ambiguity map).
    func makeScratch(spanNodes: Int) -> LocalizerScratch { LocalizerScratch(self, spanNodes: spanNodes) }

    /// Number of points of the local grid and of the circles (diagnostics and docs).
    public var localGridSize: Int { configuration.localGrid ? localOffsets.count : 0 }
    public var circleSize: Int { configuration.circles ? circleOffsets.count : 0 }

    /// Offsets of a square lattice of `step` covering ±`halfWidth` horizontally (and ±`verticalHalfWidth`, at most
    /// ±`halfWidth`, vertically in 3-D), centre included.
    static func latticeOffsets(halfWidth: Double, verticalHalfWidth: Double, step: Double, dimension: Int) -> [Point3] {
        let n = max(0, Int((halfWidth / step + 1e-9).rounded(.down)))
        let nz = max(0, Int((min(halfWidth, verticalHalfWidth) / step + 1e-9).rounded(.down)))
        var out: [Point3] = []
        let zs = dimension == 3 ? Array(-nz...nz) : [0]
        for k in zs {
            for j in -n...n {
                for i in -n...n {
                    out.append(Point3(Double(i) * step, Double(j) * step, Double(k) * step))
                }
            }
        }
        return out
    }

    /// Points on horizontal circles of radii k·λ₀/c with arc spacing s (⌈2πr/s⌉ points each).
    static func circleOffsets(_ c: LocalizerConfiguration, wavelength: Double) -> [Point3] {
        var out: [Point3] = []
        let spacing = c.circleArcSpacingWavelengths * wavelength
        for k in c.circleOrders where k > 0 {
            for contraction in c.circleContractions where contraction > 0 {
                let r = Double(k) * wavelength / contraction
                let n = max(4, Int((2 * Double.pi * r / spacing).rounded(.up)))
                for i in 0..<n {
                    let (s, co) = sinCos(2 * Double.pi * Double(i) / Double(n))
                    out.append(Point3(r * co, r * s, 0))
                }
            }
        }
        return out
    }
}

/// Per-worker working memory of a `Localizer`: every buffer a frame needs, allocated once.
public struct LocalizerScratch {
    var match: NuisanceMatch
    var workspace: AngleDelayTransform.Workspace
    var q1: [Float], q2: [Float]
    var candidates: [Point3]
    var costs: [Double]
    var values: [Double]
    /// Per-candidate correlations with the measured channel (batch × N_s complex) and energies (batch).
    var correlations: [Double], energies: [Double]
    var value: [Double], jacobian: [Double]
    /// The measured channel converted to Float64 (complex64 entry points).
    var input: [Double]
    /// The measured channel on the ranking stages' antennas (`Localizer.rankingAntennaStride`; nil when that is 1),
    /// loaded when the stage first runs on a frame (`coarseLoaded`), and its antenna-major interleaved copy.
    var coarseMatch: NuisanceMatch?
    var coarseLoaded = false
    var coarseChannel: [Double]
    /// Per-entry noise variance estimated from the measured channel (`AngleDelayTransform.noiseVariance`), once
    /// per frame when a test first needs it; nil until then.
    var noiseEstimate: Double? = nil
    /// The SNR the current frame reports, dB, when it is plausible (`ReportedSNR.plausible`).
    var reportedSNRdB: Double? = nil
    /// The span stage's per-node work: the Gram matrix of its K channels, its Cholesky factor,
    /// per-subcarrier correlations and the solved projection.
    var spanGram: [Double], spanL: [Double], spanB: [Double], spanY: [Double]
    /// 1/L[p][p] of the span cost's Cholesky factor (substitutions multiply instead of dividing).
    var spanLInverse: [Double]
    /// The projected correlations b(τ), the delay phasors e^{jω_kτ} and ‖L⁻¹b(τ)‖² per grid delay.
    var spanW: [Double], spanPhasor: [Double], spanQ: [Double]
    /// The solved correlations per subcarrier (K complex each) and their lags (N_s complex), evenly spaced subcarriers.
    var spanLagY: [Double], spanLag: [Double]
    /// Span nodes (axial, radial offsets from the pick) being scored and their costs.
    var spanNodes: [SIMD2<Double>], spanCosts: [Double]
    /// The node index of each channel group of the current batch.
    var spanBatch: [Int]
    /// The current batch's channels (Float32, split, subcarrier-major); the frame in the same layout and its energy,
    /// per span level.
    var spanRe: [Float], spanIm: [Float], spanHRe: [[Float]], spanHIm: [[Float]], spanEnergy: [Double]
    static let batch = 32
    /// Model channels per call of the span stage (`Localizer.scoreSpan`) for channels of `entries` complex
    /// entries: enough that each call's setup (the model's per-call workspace) is spread over many channels (96 for
    /// 16 × 16 entries), few enough that the batch's Float32 channels (≤ 192 kB) stay in the core's L2 cache for the
    /// Gram matrices — and that the scratch stays small for large arrays; at least 8 (a node of up to 8 channels).
    static func spanPoints(entries: Int) -> Int {
        max(8, min(96, (24 * 1024) / max(1, entries)))
    }
    /// The minima this frame's refinements ended in (`Localizer.recordMinimum`), for the runner-up test.
    var minima: [RunnerUp]
    /// The polish's reused network Jacobian (`LocalizerConfiguration.polishJacobianReach`).
    var chord = PolishChord()
    static let minimaCapacity = 64

    init(_ l: Localizer, spanNodes minimumSpanNodes: Int = 0) {
        let m = l.model, stride = m.valuesPerChannel
        match = NuisanceMatch(
            frequencies: m.frequencies, antennas: m.antennaCount, reference: l.reference,
            nuisance: l.configuration.nuisance)
        let coarseAntennas = (m.antennaCount + l.rankingAntennaStride - 1) / l.rankingAntennaStride
        coarseMatch = l.rankingAntennaStride > 1 ? NuisanceMatch(sharing: match, antennas: coarseAntennas) : nil
        coarseChannel = .init(
            repeating: 0, count: l.rankingAntennaStride > 1 ? 2 * coarseAntennas * m.subcarrierCount : 0)
        workspace = AngleDelayTransform.Workspace(l.transform)
        q1 = .init(repeating: 0, count: max(l.transform.featureCount, l.dictionary.featureCount, stride)); q2 = q1
        let spanPoints = l.spanLattice == nil ? 0 : Self.spanPoints(entries: m.antennaCount * m.subcarrierCount)
        let n =
            max(
                l.localOffsets.count, l.circleOffsets.count, l.widenedOffsets.count, l.arcLimit,
                l.spanLattice?.offsets.count ?? 0, Self.batch, spanPoints) + 1
        let k = max(1, l.spanLattice?.samples ?? 1)
        spanGram = .init(repeating: 0, count: 2 * k * k); spanL = spanGram
        spanLInverse = .init(repeating: 0, count: k)
        spanB = .init(repeating: 0, count: 2 * k * m.subcarrierCount); spanY = .init(repeating: 0, count: 6 * k)
        spanW = spanY; spanPhasor = .init(repeating: 0, count: 2 * m.subcarrierCount)
        spanQ = .init(repeating: 0, count: l.spanLevels.map(\.delays.count).max() ?? 0)
        spanLagY = .init(repeating: 0, count: 2 * k * m.subcarrierCount)
        spanLag = .init(repeating: 0, count: 2 * m.subcarrierCount)
        let spanCount =
            max(
                l.spanLattice?.offsets.count ?? 0,
                9 * max(l.configuration.arcSpanRefinedNodes, l.configuration.arcSpanCandidates),
                l.buildsSpanAmbiguityMap ? 25 * l.configuration.ambiguityVectors : 0, minimumSpanNodes) + 1
        spanNodes = .init(repeating: .zero, count: spanCount); spanCosts = .init(repeating: 0, count: spanCount)
        spanBatch = .init(repeating: 0, count: max(1, spanPoints))
        let entries = m.antennaCount * m.subcarrierCount
        spanRe = .init(repeating: 0, count: spanPoints * entries); spanIm = spanRe
        spanHRe = l.spanLevels.map { [Float](repeating: 0, count: $0.entries.count) }; spanHIm = spanHRe
        spanEnergy = .init(repeating: 0, count: l.spanLevels.count)
        candidates = .init(repeating: .zero, count: n)
        costs = .init(repeating: 0, count: n)
        // Also the scratch of `evaluateSplit` for a span batch (models without a fused form convert `evaluate`).
        values = .init(repeating: 0, count: max(Self.batch, spanPoints) * stride)
        correlations = .init(repeating: 0, count: Self.batch * 2 * m.subcarrierCount)
        energies = .init(repeating: 0, count: Self.batch)
        value = .init(repeating: 0, count: stride); input = value; jacobian = .init(repeating: 0, count: 3 * stride)
        minima = []
        minima.reserveCapacity(Self.minimaCapacity)
    }

    /// Loads a new measured channel (interleaved complex, antenna-major) into `match` and forgets what was derived
    /// from the previous one (its noise estimate).
    mutating func load(frame channel: UnsafeBufferPointer<Double>) {
        match.load(channel)
        noiseEstimate = nil
        coarseLoaded = false
    }

    /// Loads every `stride`-th antenna of the current frame into `coarseMatch` (once per frame; `stride` is the
    /// localizer's `rankingAntennaStride`, which sized it).
    mutating func loadCoarse(stride: Int) {
        guard !coarseLoaded, var coarse = coarseMatch else { return }
        let ns = match.ns, row = 2 * ns
        precondition((match.na + stride - 1) / stride == coarse.na, "the coarse match was sized for another stride")
        for jj in 0..<coarse.na {
            let j = jj * stride
            for i in 0..<row { coarseChannel[jj * row + i] = match.h[j * row + i] }
        }
        coarseMatch = nil // a unique reference: `load` writes in place
        coarseChannel.withUnsafeBufferPointer { coarse.load($0) }
        coarseMatch = coarse
        coarseLoaded = true
    }
}
