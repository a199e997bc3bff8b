public import CSIChannel

/// Upper bounds on what one `Localizer` may allocate and do per frame (docs/localization.md, "Limits").
///
/// Every size a `Localizer` derives from its configuration, region and model — the cached global grid, the
/// local lattice, the circles, the widened lattice, the arc, a worker's scratch space — is checked against
/// these before anything is allocated, so no configuration value can exhaust memory or trap.
public struct LocalizerLimits: Sendable, Equatable, Codable {
    /// Bytes of the cached global dictionary (features, energies and node positions). Default 1 GiB.
    public var maxDictionaryBytes: Int
    /// Points one stage scores for one frame (local lattice, circles, widened lattice, arc). Default 2¹⁸
    /// (≈ 200× the robust method's widened lattice; one model evaluation each).
    public var maxStageCandidates: Int
    /// Bytes of one worker's scratch space (and the transform tables). Default 256 MiB.
    public var maxScratchBytes: Int

    public init(maxDictionaryBytes: Int = 1 << 30, maxStageCandidates: Int = 1 << 18, maxScratchBytes: Int = 256 << 20)
    {
        self.maxDictionaryBytes = maxDictionaryBytes
        self.maxStageCandidates = maxStageCandidates
        self.maxScratchBytes = maxScratchBytes
    }

    public static let `default` = LocalizerLimits()

    /// Largest |coordinate| of a search region, m (1000 km: any base station's coverage, far from Double's range).
    public static let maxCoordinate = 1e6
    /// Carrier (the configured one, or the mean model frequency) range, Hz.
    public static let carrierRange: ClosedRange<Double> = 1e3...1e13
    /// Largest antenna and subcarrier counts of a model.
    public static let maxAntennas = 4096
    public static let maxSubcarriers = 16384
}

/// A `LocalizerConfiguration` (with its region and model) that cannot be used: the offending field(s) and why.
public struct LocalizerConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `LocalizerConfiguration` field names involved, the one to change first; `model` when the model's shape
    /// or frequencies are at fault, `region` for the search region (the configuration's or the model's).
    public let keys: [String]
    public let message: String
    public init(keys: [String], _ message: String) { self.keys = keys; self.message = message }
    public var description: String { "\(keys.first ?? "configuration"): \(message)" }
}

/// The sizes a valid configuration leads to (what `validate` checked; for diagnostics and `csilocd --check`).
public struct LocalizerPlan: Sendable, Equatable {
    /// Carrier wavelength λ₀, m.
    public var wavelength: Double
    /// The search region actually used.
    public var region: SearchRegion
    public var globalNodes: Int
    public var dictionaryBytes: Int
    public var localNodes: Int
    public var circleSamples: Int
    public var widenedNodes: Int
    public var arcSamples: Int
    public var scratchBytes: Int
}

extension LocalizerConfiguration {
    /// Checks every field, the search region (the configuration's, else `region`) and the model's shape, and
    /// bounds every derived size by `limits` — with arithmetic that cannot overflow (sizes are computed in
    /// floating point and compared with the limits before any conversion to `Int`).
    ///
    /// A configuration that passes builds a `Localizer` without trapping and within the limits; one that does
    /// not throws a `LocalizerConfigurationError` naming the field and the limit.
    @discardableResult
    public func validate(
        model: any ChannelModel, region defaultRegion: SearchRegion,
        limits: LocalizerLimits = .default
    ) throws -> LocalizerPlan {
        func fail(_ key: String, _ message: String) -> LocalizerConfigurationError {
            LocalizerConfigurationError(keys: [key], message)
        }
        func fail(_ keys: [String], _ message: String) -> LocalizerConfigurationError {
            LocalizerConfigurationError(keys: keys, message)
        }
        func positive(_ v: Double, _ key: String) throws {
            guard v.isFinite && v > 0 else { throw fail(key, "must be a finite number > 0, got \(v)") }
        }
        func nonNegative(_ v: Double, _ key: String) throws {
            guard v.isFinite && v >= 0 else { throw fail(key, "must be a finite number ≥ 0, got \(v)") }
        }
        func integer(_ v: Int, _ key: String, _ range: ClosedRange<Int>) throws {
            guard range.contains(v) else {
                throw fail(key, "must be in \(range.lowerBound)...\(range.upperBound), got \(v)")
            }
        }

        // Fields on their own.
        try positive(globalSpacing, "globalSpacing")
        try integer(globalPrescreenStride, "globalPrescreenStride", 1...1024)
        try integer(globalPrescreenKeep, "globalPrescreenKeep", 1...10_000)
        try integer(globalStarts, "globalStarts", 1...64)
        try nonNegative(globalStartSeparation, "globalStartSeparation")
        if let localHalfWidth { try nonNegative(localHalfWidth, "localHalfWidth") }
        if let localVerticalHalfWidth { try nonNegative(localVerticalHalfWidth, "localVerticalHalfWidth") }
        try nonNegative(localHalfWidthSpacings, "localHalfWidthSpacings")
        try positive(localStepWavelengths, "localStepWavelengths")
        try integer(localCandidatesToRefine, "localCandidatesToRefine", 1...1024)
        try integer(maxIterations, "maxIterations", 0...100_000)
        try nonNegative(stepTolerance, "stepTolerance")
        try nonNegative(relativeStepTolerance, "relativeStepTolerance")
        try integer(gradientSteps, "gradientSteps", 0...1_000_000)
        try positive(adamLearningRateWavelengths, "adamLearningRateWavelengths")
        guard adamDecay.isFinite && adamDecay > 0 && adamDecay <= 1 else {
            throw fail("adamDecay", "must be in (0, 1], got \(adamDecay)")
        }
        try positive(arcSpacingWavelengths, "arcSpacingWavelengths")
        try integer(arcMaxSamples, "arcMaxSamples", 0...(1 << 14))
        try integer(arcCandidatesToRefine, "arcCandidatesToRefine", 1...1024)
        try nonNegative(arcSpanAxialHalfWidthSpacings, "arcSpanAxialHalfWidthSpacings")
        try nonNegative(arcSpanRadialHalfWidthSpacings, "arcSpanRadialHalfWidthSpacings")
        try positive(arcSpanStepWavelengths, "arcSpanStepWavelengths")
        try integer(arcSpanSamples, "arcSpanSamples", 1...8)
        try integer(arcSpanCandidates, "arcSpanCandidates", 1...64)
        try integer(arcSpanRefinedNodes, "arcSpanRefinedNodes", 0...256)
        try integer(arcSpanCoarseAntennaStride, "arcSpanCoarseAntennaStride", 0...64)
        try integer(rankingAntennaStride, "rankingAntennaStride", 0...64)
        if let rankingRescored { try integer(rankingRescored, "rankingRescored", 0...1024) }
        try integer(arcSpanCoarseSubcarrierStride, "arcSpanCoarseSubcarrierStride", 1...64)
        try integer(arcSpanStartsPerCandidate, "arcSpanStartsPerCandidate", 1...64)
        try integer(arcSpanScreenIterations, "arcSpanScreenIterations", 0...100_000)
        try integer(arcSpanContinuedStarts, "arcSpanContinuedStarts", 1...64)
        // Sizes every worker's scratch (the span ambiguity stage's patches), whether or not a map is built.
        try integer(ambiguityVectors, "ambiguityVectors", 1...64)
        guard circleOrders.count <= 64, circleOrders.allSatisfy({ (1...64).contains($0) }) else {
            throw fail("circleOrders", "must be at most 64 integers in 1...64, got \(circleOrders.prefix(8))")
        }
        guard circleContractions.count <= 64, circleContractions.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= 1 }) else {
            throw fail(
                "circleContractions", "must be at most 64 numbers in (0, 1], got \(circleContractions.prefix(8))")
        }
        try positive(circleArcSpacingWavelengths, "circleArcSpacingWavelengths")
        try integer(circleCandidatesToRefine, "circleCandidatesToRefine", 1...1024)
        try nonNegative(widenedHalfWidthFactor, "widenedHalfWidthFactor")
        try integer(widenedCandidatesToRefine, "widenedCandidatesToRefine", 1...1024)
        switch noiseFloor {
        case .estimated: break
        case .snrDB(let snr):
            guard snr.isFinite && (-300...300).contains(snr) else {
                throw fail("noiseFloor", "the SNR must be in -300...300 dB, got \(snr)")
            }
        case .variance(let v): try nonNegative(v, "noiseFloor")
        }
        try nonNegative(grossErrorSigmas, "grossErrorSigmas")
        try nonNegative(modelErrorSigmas, "modelErrorSigmas")
        guard modelErrorSigmas <= 10 else {
            throw fail("modelErrorSigmas", "must be in 0...10, got \(modelErrorSigmas)")
        }
        guard polishJacobianReach.isFinite, (0...0.1).contains(polishJacobianReach) else {
            throw fail("polishJacobianReach", "must be in 0...0.1 wavelengths, got \(polishJacobianReach)")
        }
        guard polishRivalScreen.isFinite, (0...100).contains(polishRivalScreen) else {
            throw fail("polishRivalScreen", "must be in 0...100, got \(polishRivalScreen)")
        }
        guard widenedModelErrorSigmas.isFinite, (-10...10).contains(widenedModelErrorSigmas) else {
            throw fail("widenedModelErrorSigmas", "must be in -10...10, got \(widenedModelErrorSigmas)")
        }
        guard untrustedAmbiguity.isFinite, (0...1).contains(untrustedAmbiguity) else {
            throw fail("untrustedAmbiguity", "must be in 0...1, got \(untrustedAmbiguity)")
        }
        guard runnerUpAlignment.isFinite, (0...1).contains(runnerUpAlignment) else {
            throw fail("runnerUpAlignment", "must be in 0...1, got \(runnerUpAlignment)")
        }
        guard runnerUpSigmas.isFinite, (0...10).contains(runnerUpSigmas) else {
            throw fail("runnerUpSigmas", "must be in 0...10, got \(runnerUpSigmas)")
        }
        if let carrier, !(carrier.isFinite && LocalizerLimits.carrierRange.contains(carrier)) {
            throw fail(
                "carrier",
                "must be in \(LocalizerLimits.carrierRange.lowerBound)...\(LocalizerLimits.carrierRange.upperBound) Hz, got \(carrier)"
            )
        }

        // The model's shape and frequencies.
        let na = model.antennaCount, ns = model.subcarrierCount
        guard (1...LocalizerLimits.maxAntennas).contains(na), (1...LocalizerLimits.maxSubcarriers).contains(ns) else {
            throw fail(
                "model",
                "the model has \(na) antennas × \(ns) subcarriers; allowed 1...\(LocalizerLimits.maxAntennas) × 1...\(LocalizerLimits.maxSubcarriers)"
            )
        }
        let freqs = model.frequencies
        guard freqs.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw fail("model", "the model's frequencies must be finite and > 0")
        }
        guard model.antennaPositions.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }) else {
            throw fail("model", "the model's antenna positions must be finite")
        }
        let reference = carrier ?? freqs.reduce(0, +) / Double(freqs.count)
        guard reference.isFinite, LocalizerLimits.carrierRange.contains(reference) else {
            throw fail(
                "carrier",
                "the model's mean frequency \(reference) Hz is outside \(LocalizerLimits.carrierRange.lowerBound)...\(LocalizerLimits.carrierRange.upperBound) Hz"
            )
        }
        let wavelength = speedOfLight / reference

        // The region.
        let region = self.region ?? defaultRegion
        let regionKey =
            self.region == nil ? "the default search region (the model's training box)" : "the search region"
        for c in 0..<3 {
            let lo = region.lower[c], hi = region.upper[c]
            guard lo.isFinite, hi.isFinite, abs(lo) <= LocalizerLimits.maxCoordinate,
                abs(hi) <= LocalizerLimits.maxCoordinate
            else {
                throw fail(
                    "region",
                    "\(regionKey) must have finite coordinates within ±\(LocalizerLimits.maxCoordinate) m, got \(["x", "y", "z"][c]) [\(lo), \(hi)]"
                )
            }
            guard lo <= hi else {
                throw fail("region", "\(regionKey) is inverted on \(["x", "y", "z"][c]): [\(lo), \(hi)]")
            }
        }
        let dimension = region.dimension

        // (a) the global grid and its dictionary.
        func axisNodes(_ c: Int) -> Double {
            ((region.upper[c] - region.lower[c]) / globalSpacing + 1e-9).rounded(.down) + 1
        }
        let nodes = axisNodes(0) * axisNodes(1) * (dimension == 3 ? axisNodes(2) : 1)
        let features = Double(globalMeasure == .angleDelay ? 4 * na * ns : 2 * na * ns)
        // Rows are Float16 (`GlobalDictionary`); PS keeps each row's energy and norm in Float32.
        let rowBytes = features * 2 + (globalMeasure == .phaseSensitive ? 8 : 0) + Double(MemoryLayout<Point3>.stride)
        // Plus the prescreen sub-grid's contiguous copy (angle–delay with a stride): at most ⌈n/stride⌉ per axis.
        let stride = globalMeasure == .angleDelay ? Double(max(1, globalPrescreenStride)) : 1
        func subNodes(_ c: Int) -> Double { (axisNodes(c) / stride).rounded(.up) }
        let prescreenNodes = stride > 1 ? subNodes(0) * subNodes(1) * (dimension == 3 ? subNodes(2) : 1) : 0
        let dictionaryBytes = nodes * rowBytes + prescreenNodes * (features * 2 + 8)
        guard nodes.isFinite, dictionaryBytes <= Double(limits.maxDictionaryBytes) else {
            throw fail(
                ["globalSpacing", "region"],
                "the global grid of \(globalSpacing) m over \(regionKey) has \(nodes) nodes: \(Self.mib(dictionaryBytes)) MiB of dictionary for \(na)×\(ns) channels, above the limit of \(Self.mib(Double(limits.maxDictionaryBytes))) MiB; use a coarser spacing or a smaller region"
            )
        }

        // The prescreen's rescans: `keep` neighbourhoods of (2·stride − 1)^d rows per frame.
        if globalMeasure == .angleDelay && globalPrescreenStride > 1 {
            let side = Double(2 * globalPrescreenStride - 1)
            let rescans = Double(globalPrescreenKeep) * side * side * (dimension == 3 ? side : 1)
            guard rescans <= Double(limits.maxStageCandidates) else {
                throw fail(
                    ["globalPrescreenKeep", "globalPrescreenStride"],
                    "the prescreen rescans \(globalPrescreenKeep) neighbourhoods of \(Int(side)) nodes per axis: \(rescans) rows per frame, above the limit of \(limits.maxStageCandidates)"
                )
            }
        }

        // (b) the local lattice, (f) the widened lattice, (d) circles, (c') arc: points per frame and stage.
        let maxStage = Double(limits.maxStageCandidates)
        let step = localStepWavelengths * wavelength
        let halfWidth = localHalfWidth ?? localHalfWidthSpacings * globalSpacing
        let halfWidthKey = localHalfWidth == nil ? "localHalfWidthSpacings" : "localHalfWidth"
        func latticeCount(_ half: Double, vertical: Double, dimension: Int) -> Double {
            let n = (half / step + 1e-9).rounded(.down)
            let nz = (min(half, vertical) / step + 1e-9).rounded(.down)
            return (2 * n + 1) * (2 * n + 1) * (dimension == 3 ? 2 * nz + 1 : 1)
        }
        var localNodes = 0.0
        if localGrid {
            localNodes = latticeCount(
                halfWidth, vertical: localVerticalHalfWidth ?? globalSpacing, dimension: dimension)
            guard localNodes.isFinite, localNodes <= maxStage else {
                throw fail(
                    [halfWidthKey, "localStepWavelengths"],
                    "the local grid of half-width \(halfWidth) m and step \(step) m (\(localStepWavelengths) λ₀) has \(localNodes) nodes per frame, above the limit of \(limits.maxStageCandidates)"
                )
            }
        }
        var widenedNodes = 0.0
        if widenOnSuspect && dimension == 2 {
            widenedNodes = latticeCount(widenedHalfWidthFactor * halfWidth, vertical: 0, dimension: 2)
            guard widenedNodes.isFinite, widenedNodes <= maxStage else {
                throw fail(
                    ["widenedHalfWidthFactor", halfWidthKey, "localStepWavelengths"],
                    "the widened local grid (\(widenedHalfWidthFactor) × \(halfWidth) m, step \(step) m) has \(widenedNodes) nodes per frame, above the limit of \(limits.maxStageCandidates)"
                )
            }
        }
        var circleSamples = 0.0
        if circles {
            for k in circleOrders {
                for c in circleContractions {
                    circleSamples += max(
                        4, (2 * Double.pi * Double(k) / (c * circleArcSpacingWavelengths)).rounded(.up))
                }
            }
            guard circleSamples.isFinite, circleSamples <= maxStage else {
                throw fail(
                    ["circleArcSpacingWavelengths", "circleOrders", "circleContractions"],
                    "the circles have \(circleSamples) points per frame, above the limit of \(limits.maxStageCandidates)"
                )
            }
        }
        // The mismatch maps of the adaptive stages, built once: cells × samples × (candidates + refinements).
        if refinement != .none
            && ((circles && adaptiveCircles) || (ambiguityStage && adaptiveAmbiguity && dimension == 2))
        {
            try positive(circleMapCellSize, "circleMapCellSize")
            try integer(circleMapSamples, "circleMapSamples", 1...8)
            let grid = CircleMismatchMap.Grid(region: region, cellSize: circleMapCellSize)
            let cells = Double(grid.nx * grid.ny * grid.nz)
            let perAxis = Double(circleMapSamples)
            let samples = cells * perAxis * perAxis * (dimension == 3 ? perAxis : 1)
            // A refinement: up to maxIterations + 1 Jacobians, each worth (dimension + 1) model values.
            let refinementWork = (Double(maxIterations) + 1) * (Double(dimension) + 1)
            let circleWork =
                circles && adaptiveCircles
                ? circleSamples + (Double(circleCandidatesToRefine) + 1) * refinementWork : 0
            let ambiguityWork = ambiguityStage && adaptiveAmbiguity ? Double(ambiguityVectors) * refinementWork : 0
            let evaluations = samples * (circleWork + ambiguityWork)
            guard evaluations.isFinite, evaluations <= 5e7 else {
                throw fail(
                    ["circleMapCellSize", "circleMapSamples"],
                    "the mismatch map of the adaptive stages (\(Int(cells)) cells, \(Int(samples)) samples) needs \(evaluations) model evaluations to build, above the limit of 5e7; use larger cells, fewer samples, a smaller region, or adaptiveCircles/adaptiveAmbiguity: false"
                )
            }
        }
        let arcSamples = arc && dimension == 3 ? Double(arcMaxSamples) : 0
        guard arcSamples <= maxStage else {
            throw fail("arcMaxSamples", "must be at most \(limits.maxStageCandidates) (the per-stage limit)")
        }
        // (b') the span lattice: nodes per frame (each worth `arcSpanSamples` model values)
        var spanNodes = 0.0
        if arc && arcSpan && dimension == 3 {
            let spanStep = arcSpanStepWavelengths * wavelength
            let na = (arcSpanAxialHalfWidthSpacings * globalSpacing / spanStep + 1e-9).rounded(.down)
            let nr = (arcSpanRadialHalfWidthSpacings * globalSpacing / spanStep + 1e-9).rounded(.down)
            spanNodes = (2 * na + 1) * (2 * nr + 1)
            guard spanNodes.isFinite, spanNodes * Double(arcSpanSamples) <= maxStage else {
                throw fail(
                    ["arcSpanAxialHalfWidthSpacings", "arcSpanRadialHalfWidthSpacings", "arcSpanStepWavelengths"],
                    "the span lattice has \(spanNodes) nodes of \(arcSpanSamples) model values per frame, above the limit of \(limits.maxStageCandidates) values"
                )
            }
        }

        // (c'') the ambiguity stage's own fields, and the cells of its map (2-D or span), checked where a map is built.
        func checkAmbiguityFields() throws {
            try positive(ambiguityCellSize, "ambiguityCellSize")
            try positive(ambiguityRadius, "ambiguityRadius")
            try integer(ambiguityVectors, "ambiguityVectors", 1...64)
            try positive(ambiguityMaxMismatch, "ambiguityMaxMismatch")
            try integer(ambiguityRounds, "ambiguityRounds", 1...16)
            try integer(ambiguityScreenIterations, "ambiguityScreenIterations", 0...100_000)
        }
        func ambiguityCells() -> Double {
            max(1, ((region.upper.x - region.lower.x) / ambiguityCellSize).rounded(.up))
                * max(1, ((region.upper.y - region.lower.y) / ambiguityCellSize).rounded(.up))
        }

        // (c'') the ambiguity map, built once: its cells and lattices.
        if ambiguityStage && dimension == 2 {
            try checkAmbiguityFields()
            let cells = ambiguityCells()
            let side = 2 * max(1, (ambiguityRadius / step).rounded(.down)) + 1
            let evaluations = cells * (side * side + 3 * Double(ambiguityVectors) * 81)
            guard side * side <= maxStage, evaluations.isFinite, evaluations <= 5e7 else {
                throw fail(
                    ["ambiguityCellSize", "ambiguityRadius", "localStepWavelengths"],
                    "the ambiguity map (\(cells) cells, \(side)² offsets each) needs \(evaluations) model evaluations to build, above the limit of 5e7; use larger cells, a smaller radius or a smaller region"
                )
            }
        }

        // (c'') in 3-D with the span stage: the span ambiguity map, built once — its cells × (a lattice of span nodes
        // within ±ambiguityRadius, 3 × ambiguityVectors polishing patches of 9), each node worth arcSpanSamples values.
        if ambiguityStage && arc && arcSpan && dimension == 3 && refinement != .none
            && ArrayAxis(antennas: model.antennaPositions, tolerance: wavelength / 100) != nil
        {
            try checkAmbiguityFields()
            let spanStep = arcSpanStepWavelengths * wavelength
            let cells = ambiguityCells()
            let side = 2 * max(1, (ambiguityRadius / spanStep).rounded(.down)) + 1
            let evaluations = cells * (side * side + 27 * Double(ambiguityVectors)) * Double(arcSpanSamples)
            let perFrame = 25 * Double(ambiguityVectors) * Double(arcSpanSamples)
            guard side * side <= maxStage, perFrame <= maxStage, evaluations.isFinite, evaluations <= 5e7 else {
                throw fail(
                    ["ambiguityCellSize", "ambiguityRadius", "arcSpanStepWavelengths"],
                    "the 3-D ambiguity map (\(cells) cells, \(side)² span nodes of \(arcSpanSamples) values each) needs \(evaluations) model evaluations to build, above the limit of 5e7; use larger cells, a smaller radius or a smaller region"
                )
            }
        }

        // One worker's scratch space (plus the transform tables): NuisanceMatch's timing grid and the
        // angle–delay tables grow with N_s² and N_a².
        let dna = Double(na), dns = Double(ns), elements = dna * dns
        let m = max(2 * dns, 4)
        let candidates = max(localNodes, circleSamples, widenedNodes, arcSamples, spanNodes, 32) + 1
        // Per channel entry: 32 channels of scratch values (Float64 pairs), the rest of the refinement's buffers and
        // the angle–delay workspace (its image and the noise estimate's windowed DFT), the local grid's antennas;
        // with the span stage, up to `LocalizerScratch.spanPoints` channels of scratch values (2 Doubles an entry)
        // and as many Float32 channels (re and im: 1 Double an entry).
        let perElement =
            spanNodes > 0 ? 92 + 3 * Double(LocalizerScratch.spanPoints(entries: Int(min(elements, 1e9)))) : 92
        let scratchBytes =
            8 * (2 * m * dns + m + 3 * dns) + 48 * (dna * dna + dns * dns) + 8 * perElement * elements
            + 32 * candidates
        guard scratchBytes <= Double(limits.maxScratchBytes) else {
            throw fail(
                "model",
                "a \(na)×\(ns) model needs \(Self.mib(scratchBytes)) MiB of working memory per worker, above the limit of \(Self.mib(Double(limits.maxScratchBytes))) MiB"
            )
        }
        return LocalizerPlan(
            wavelength: wavelength, region: region, globalNodes: Int(nodes), dictionaryBytes: Int(dictionaryBytes),
            localNodes: Int(localNodes), circleSamples: Int(circleSamples), widenedNodes: Int(widenedNodes),
            arcSamples: Int(arcSamples), scratchBytes: Int(scratchBytes))
    }

    static func mib(_ bytes: Double) -> String {
        let v = bytes / 1_048_576
        return v < 1e7 ? String(Int(v.rounded())) : "\(v)"
    }
}
