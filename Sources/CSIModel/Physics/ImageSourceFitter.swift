import CSIChannel
import CSINumerics
import Foundation
import Numerics

/// Fits an `ImageSourceModel` to a survey, greedily and blind (docs/method.md §16.1): find a new source by
/// angle–delay back-projection of the residual, refine it by a coherent search, solve all gains by linear
/// least squares, run Levenberg–Marquardt with a spatial continuation (a disk around the survey centre
/// growing to the whole area), subtract, and repeat while the validation NMSE improves. Then choose the
/// array phase model and optional linear gain variation by validation NMSE.
public struct ImageSourceFitter: Sendable {
    public struct Options: Sendable {
        /// Upper bound on the number of paths.
        public var maxSources = 40
        /// A new source is kept only if it improves the validation NMSE by at least this much.
        public var minimumImprovementDB = 0.25
        /// Survey points used for back-projection.
        public var backProjectionPoints = 300
        /// Points per continuation stage and for the joint fits.
        public var stagePoints = 1500
        /// Continuation disk radii (m) around the survey centre; the last stage is the whole area.
        public var continuationRadii: [Double] = [0.8, 1.6, 3.2, 6.4]
        /// Stop adding paths once the validation NMSE is below this (complex64 data resolve ≈ −140 dB).
        public var floorDB = -100.0
        /// Stop adding paths once the validation NMSE is within this many dB of the data's measurement-noise floor
        /// (`ResidualNoiseFloor`, estimated on the validation residual) and that residual looks white.
        public var noiseFloorMarginDB = 0.5
        /// A new path that improves validation NMSE by less than this (dB) counts as slow progress: the search
        /// then checks whether gain maps would explain much more (≥ 3 dB) and, if so, continues with them.
        public var slowProgressDB = 1.0
        /// Back-projection peaks tried for each new path before giving up.
        public var candidatesPerPath = 3
        /// Images predicted from the reflectors the fitted sources reveal (`ImageGeometry`), tried before the
        /// back-projection peaks for each new path, best matched-filter score first.
        public var geometricCandidatesPerPath = 2
        /// A predicted image is tried only if it explains at least this share of the residual energy at the
        /// coherent-search points (gain-free matched filter).
        public var geometricMinimumShare = 0.01
        /// Points for the coherent search (nearest the survey centre).
        public var coherentPoints = 160
        /// Try the plane-wave array phase model and keep it if better on validation.
        public var tryPlaneWave = true
        /// Try gains varying linearly with position and keep them if better on validation.
        public var tryGainSlopes = true
        /// Try per-path gain maps (kernel widths λ/2, λ, 2λ) and keep the best if better on validation.
        public var tryGainMaps = true
        /// Use gain maps (width λ) while searching for paths too: slower per path, but blockage no longer
        /// looks like missing paths.
        public var gainMapsDuringSearch = true
        /// Levenberg–Marquardt iterations per stage (4× with a nuisance: the common delay of all sources is then
        /// nearly absorbed by the frames' timing offsets, and LM converges slowly along that direction).
        public var iterations = 25
        /// Stop adding sources after this many seconds (nil: no limit).
        public var timeBudget: Double? = nil
        /// Per-frame unknowns of the survey (docs/model.md, "Unsynchronised surveys"): every cost is then the
        /// variable-projection one (each frame's own best gain, phase, timing offset), the first source is found
        /// by per-frame (incoherent) searches, later ones on the survey aligned to the model found so far.
        public var nuisance: NuisanceModel = .none
        public var seed: UInt64 = 1
        public var width = Parallel.defaultWidth
        public init() {}
    }

    /// What the fitter is doing, for progress lines.
    public struct Progress: Sendable {
        public var stage: String
        public var sources: Int
        public var validationNMSEDB: Double?
        public var elapsed: Double
    }

    /// The fitted model and what was decided along the way.
    public struct Result: Sendable {
        public var model: ImageSourceModel
        public var validationNMSEDB: Double
        public var decisions: [String]
        public var history: [(sources: Int, validationNMSEDB: Double)]
    }

    public var options: Options
    public init(options: Options = Options()) { self.options = options }

    /// Fits `train`, choosing by `validation` (both prepared with the same scale).
    /// `checkpoint` receives the model (normalised units, scale applied) each time a path is accepted.
    public func fit(train: TrainingData, validation: TrainingData,
                    progress: (Progress) -> Void = { _ in }, cancelled: () -> Bool = { false },
                    checkpoint: (ImageSourceModel, Double) -> Void = { _, _ in }) -> Result {
        let start = Date()
        func elapsed() -> Double { Date().timeIntervalSince(start) }
        let frame = ArrayFrame(antennas: train.antennas)
        let centre = train.positions.reduce(Point3.zero, +) / Double(max(train.count, 1))
        let zs = train.positions.map(\.z)
        let flat = (zs.max() ?? 0) - (zs.min() ?? 0) < 1e-6
        let z0 = zs.first ?? 0
        let reach = train.positions.map { ($0 - centre).length }.max() ?? 1
        let stride = train.valuesPerSample
        var rng = SeededGenerator(seed: options.seed, stream: 0x4649_5400)   // "FIT"
        let all = Array(0..<train.count)
        /// The survey at `idx` as `model` would have produced it (each frame's nuisance removed against the
        /// model's channel); the survey itself for a coherent one or before any source is known.
        func aligned(_ model: ImageSourceModel?, _ idx: [Int]) -> [Double] {
            if options.nuisance == .none && idx.count == train.count { return train.channels }   // `all`: nothing to align
            var out = [Double](repeating: 0, count: idx.count * stride)
            guard options.nuisance != .none, let model else {
                for (i, m) in idx.enumerated() { for t in 0..<stride { out[i * stride + t] = train.channels[m * stride + t] } }
                return out
            }
            let pred = model.channels(at: idx.map { train.positions[$0] })
            out.withUnsafeMutableBufferPointer { ob in
                nonisolated(unsafe) let ob = ob
                Parallel.forEachChunk(count: idx.count, width: options.width, minChunk: 32) { range in
                    var match = NuisanceMatch(model: model, nuisance: options.nuisance)
                    for i in range {
                        let m = idx[i]
                        train.channels.withUnsafeBufferPointer { match.load(UnsafeBufferPointer(rebasing: $0[(m * stride)..<((m + 1) * stride)])) }
                        let fit = pred.withUnsafeBufferPointer { match.evaluate($0.baseAddress! + i * stride) }
                        match.align(alpha: fit.alpha, tau: fit.tau, into: ob.baseAddress! + i * stride)
                    }
                }
            }
            return out
        }
        var decisions: [String] = []
        var history: [(Int, Double)] = []
        var phaseModel = ArrayPhaseModel.spherical
        var slopeAxes: [Int] = []
        let uniform = SubcarrierPlan(frequencies: train.frequencies).uniformSpacing

        // Points sorted by distance to the centre, for disks.
        let byDistance = train.positions.indices.sorted { (train.positions[$0] - centre).length < (train.positions[$1] - centre).length }
        func subset(radius: Double?, limit: Int) -> [Int] {
            var inside = radius.map { r in byDistance.filter { (train.positions[$0] - centre).length <= r } } ?? byDistance
            if inside.count < 40 { inside = Array(byDistance.prefix(min(byDistance.count, 40))) }
            if inside.count > limit {
                var shuffled = inside
                shuffled.shuffle(using: &rng)
                inside = Array(shuffled.prefix(limit)).sorted()
            }
            return inside
        }
        func problem(_ idx: [Int], sources: Int, free: Set<Int>, phase: ArrayPhaseModel, slopes: [Int]) -> ImageSourceProblem {
            var ch = [Double](repeating: 0, count: idx.count * stride)
            for (i, m) in idx.enumerated() { for t in 0..<stride { ch[i * stride + t] = train.channels[m * stride + t] } }
            return ImageSourceProblem(positions: idx.map { train.positions[$0] }, channels: ch, frame: frame,
                                      frequencies: train.frequencies, carrier: train.carrier, phaseModel: phase,
                                      gainReference: centre, slopeAxes: slopes,
                                      geometryFree: (0..<sources).map { free.contains($0) }, width: options.width,
                                      nuisance: options.nuisance)
        }
        func solveGains(_ p: ImageSourceProblem, _ sources: [ImageSource]) -> [ImageSource] {
            let fixed = ImageSourceProblem(positions: p.positions, channels: p.channels, frame: frame, frequencies: p.frequencies,
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
        func lm(_ p: ImageSourceProblem, _ sources: [ImageSource]) -> [ImageSource] {
            var opts = LevenbergMarquardt.Options()
            opts.maxIterations = options.iterations * (options.nuisance == .none ? 1 : 4)
            let solver = LevenbergMarquardt(options: opts)
            let base = sources
            let (theta, _) = solver.minimize(
                p.pack(base),
                normal: { p.normalEquations(p.unpack($0, base: base)) },
                cost: { p.cost(p.unpack($0, base: base)) },
                apply: { theta, step in zip(theta, p.withoutGauge(step, at: theta)).map { $0 + $1 } })
            var out = p.unpack(theta, base: base)
            if flat { for l in out.indices { out[l] = Self.mirrorAbove(out[l], z0: z0) } }
            return out
        }
        func model(_ sources: [ImageSource], _ phase: ArrayPhaseModel) -> ImageSourceModel {
            ImageSourceModel(sources: sources, frame: frame, frequencies: train.frequencies, carrier: train.carrier,
                             phaseModel: phase, gainReference: centre, scale: 1)
        }
        // The search first judges models with constant gains. When it stalls, it switches to also trying
        // per-path gains mapped over the survey (width λ), keeping whichever is better on validation (and using
        // it for the residual): blockage then no longer masquerades as missing paths, while an exactly
        // representable scene is fitted exactly before any smoothing map is involved.
        let mapsInLoop = options.tryGainMaps && options.gainMapsDuringSearch && flat
        var useMaps = false
        func judged(_ sources: [ImageSource], _ phase: ArrayPhaseModel) -> (model: ImageSourceModel, db: Double, mapped: Bool) {
            let plain = model(sources, phase)
            let plainDB = ChannelError.measure(plain, positions: validation.positions, reference: validation.channels,
                                               nuisance: options.nuisance, width: options.width).nmseDB
            guard useMaps, !sources.isEmpty else { return (plain, plainDB, false) }
            var m = plain
            let estimator = GainMapEstimator(model: m, positions: train.positions, channels: aligned(m, all), width: options.width)
            m.gainMap = estimator.map(sigma: speedOfLight / train.carrier, local: estimator.localGains())
            let mappedDB = ChannelError.measure(m, positions: validation.positions, reference: validation.channels,
                                                nuisance: options.nuisance, width: options.width).nmseDB
            return mappedDB < plainDB ? (m, mappedDB, true) : (plain, plainDB, false)
        }
        func mapped(_ sources: [ImageSource], _ phase: ArrayPhaseModel) -> ImageSourceModel { judged(sources, phase).model }
        func validationDB(_ sources: [ImageSource], _ phase: ArrayPhaseModel) -> Double { judged(sources, phase).db }
        var acceptedWithMap = false
        var residualModel: ImageSourceModel? = nil
        func residuals(_ sources: [ImageSource], _ idx: [Int]) -> [[Double]] {
            let m = residualModel ?? mapped(sources, phaseModel)
            let pred = m.channels(at: idx.map { train.positions[$0] })
            let data = aligned(sources.isEmpty ? nil : m, idx)
            return idx.indices.map { i in (0..<stride).map { data[i * stride + $0] - pred[i * stride + $0] } }
        }

        // Search widths of the coherent refinement: the array beamwidth and half the delay resolution.
        let lambda = speedOfLight / train.carrier
        let aperture = max(frame.offsets.map { abs($0.x) }.max() ?? 0, frame.offsets.map { abs($0.y) }.max() ?? 0) * 2 + lambda / 2
        let angularWidth = min(0.6, max(0.12, lambda / aperture))
        let bandwidth = (train.frequencies.max() ?? 0) - (train.frequencies.min() ?? 0) + (uniform ?? 0)
        let rangeWidth = bandwidth > 0 ? min(6, max(1.5, 0.5 * speedOfLight / bandwidth)) : 6
        var sources: [ImageSource] = []
        var best = 0.0   // validation NMSE of the empty model is 0 dB
        let geometry = ImageGeometry(array: frame, surveyHeight: flat ? z0 : nil, surveyCentre: centre)
        var predictedAccepted = 0
        let wholeArea = subset(radius: nil, limit: options.stagePoints)
        while sources.count < options.maxSources && !cancelled() {
            if let budget = options.timeBudget, elapsed() > budget { decisions.append("stopped adding paths: time budget"); break }
            if best < options.floorDB {
                decisions.append(String(format: "stopped at %d paths: validation NMSE %.1f dB is at the data's numerical floor", sources.count, best))
                break
            }
            progress(Progress(stage: "path \(sources.count + 1): back-projection", sources: sources.count, validationNMSEDB: best, elapsed: elapsed()))
            // 1. Back-projection of the residual.
            residualModel = mapped(sources, phaseModel)
            defer { residualModel = nil }
            if !sources.isEmpty {
                let m = residualModel!
                let v = validation.aligned(to: m, outputScale: 1, nuisance: options.nuisance, width: options.width)
                let floor = ResidualNoiseFloor.estimate(data: v.channels, predicted: m.channels(at: v.positions),
                                                antennas: v.antennaCount, subcarriers: v.subcarrierCount)
                if floor.whiteness > 0.8 && best <= floor.floorDB + options.noiseFloorMarginDB {
                    decisions.append(String(format: "stopped at %d paths: validation NMSE %.2f dB is at the data's noise floor (%.2f dB; residual whiteness %.2f)",
                                            sources.count, best, floor.floorDB, floor.whiteness))
                    break
                }
                // Survey labels off by δ leave J·δ in the residual, which no path can explain: if removing all the rest
                // could not gain `minimumImprovementDB`, no new path can be accepted.
                let labels = LabelNoise.estimate(model: m, positions: v.positions, data: v.channels, dimensions: flat ? 2 : 3)
                let share = Foundation.pow(10, (labels.correctedNMSEDB - best) / 10)
                if labels.samples > 0 && share < 1 && -decibels(1 - share) < options.minimumImprovementDB {
                    decisions.append(String(format: "stopped at %d paths: the survey's position labels (off by ≈ %.2f mm) account for all but %.2f dB of the validation error (%.2f dB): no new path can gain %.2f dB",
                                            sources.count, labels.rms * 1000, labels.correctedNMSEDB, best, options.minimumImprovementDB))
                    break
                }
            }
            let bpIdx = subset(radius: nil, limit: options.backProjectionPoints)
            // Before any source is known, an unsynchronised survey's frames share no phase or timing reference.
            let perFrame: NuisanceModel = sources.isEmpty ? options.nuisance : .none
            let bp = BackProjection(frame: frame, frequencies: train.frequencies, carrier: train.carrier,
                                    points: bpIdx.map { train.positions[$0] }, residuals: residuals(sources, bpIdx),
                                    delayKnown: perFrame != .phaseGainAndTiming, width: options.width)
            let span = (frame.center - centre).length + reach
            let lower = Point3(centre.x - 2 * span, centre.y - 2 * span, flat ? z0 : (zs.min()! - 2 * span))
            let upper = Point3(centre.x + 2 * span, centre.y + 2 * span, (flat ? z0 : zs.max()!) + 2 * span)
            let coarse = max(0.5, 4 * span / 60)
            let peaks = bp.search(box: (lower, upper), coarseStep: coarse, count: options.candidatesPerPath, width: options.width)
            let cIdx = Array(byDistance.prefix(min(options.coherentPoints, byDistance.count)))
            let coherent = CoherentSearch(frame: frame, frequencies: train.frequencies, points: cIdx.map { train.positions[$0] },
                                          residuals: residuals(sources, cIdx), width: options.width, perPoint: perFrame)
            let newIndex = sources.count
            // Images predicted from the reflectors found so far, scored on the residual; the best go first.
            let predicted = geometricCandidates(sources: sources, geometry: geometry, coherent: coherent)
            let attempts = predicted.map { (position: $0.center, frame: ($0.e1, $0.e2, $0.e3), predicted: true) }
                + peaks.map { (position: $0.position, frame: $0.frame, predicted: false) }
            var accepted = false
            var lastDB = best
            for (attempt, found) in attempts.enumerated() where !accepted && !cancelled() {
                // 2. Coherent refinement near the centre (predicted images are already where the geometry puts them).
                var position = found.position
                if !found.predicted {
                    progress(Progress(stage: "path \(newIndex + 1): coherent search (candidate \(attempt + 1))", sources: newIndex,
                                      validationNMSEDB: best, elapsed: elapsed()))
                    position = coherent.refine(start: found.position, frame: found.frame, origin: centre, uniformSpacing: uniform,
                                               minimumZ: flat ? z0 : nil, angularHalfWidth: angularWidth, rangeHalfWidth: rangeWidth,
                                               coneAxis: frame.dimensionality == 1 ? found.frame.0 : nil).position
                }
                var candidate = sources + [ImageSource(center: position, frame: found.frame)]
                // 3. Continuation: the new source's geometry and all gains on growing disks, then everything.
                for radius in options.continuationRadii + [Double.infinity] {
                    progress(Progress(stage: "path \(newIndex + 1): fit within \(radius.isFinite ? String(format: "%.1f m", radius) : "whole area")",
                                      sources: newIndex + 1, validationNMSEDB: best, elapsed: elapsed()))
                    let idx = radius.isFinite ? subset(radius: radius, limit: options.stagePoints) : wholeArea
                    let p = problem(idx, sources: candidate.count, free: radius.isFinite ? [newIndex] : Set(candidate.indices),
                                    phase: phaseModel, slopes: slopeAxes)
                    candidate = solveGains(p, candidate)
                    candidate = lm(p, candidate)
                    if cancelled() { break }
                }
                let judgement = judged(candidate, phaseModel)
                var db = judgement.db
                var candidateMapped = judgement.mapped
                var candidatePhase = phaseModel
                var phaseDecision: String? = nil
                if newIndex == 0 && options.tryPlaneWave {
                    let p = problem(wholeArea, sources: 1, free: [0], phase: .planeWave, slopes: [])
                    let alt = lm(p, solveGains(p, candidate))
                    let altJudgement = judged(alt, .planeWave)
                    let altDB = altJudgement.db
                    // Spherical wavefronts are the physics of a real array; the plane-wave approximation must earn
                    // its place (a near-tie, e.g. when the first path explains little, keeps spherical).
                    phaseDecision = String(format: "array phase model: spherical %.2f dB vs plane-wave %.2f dB on validation (first path)", db, altDB)
                    if altDB < db - options.minimumImprovementDB { candidatePhase = .planeWave; candidate = alt; db = altDB; candidateMapped = altJudgement.mapped }
                }
                lastDB = db
                if db <= best - options.minimumImprovementDB {
                    let gain = best - db
                    if let phaseDecision { decisions.append(phaseDecision) }
                    phaseModel = candidatePhase
                    acceptedWithMap = candidateMapped
                    sources = candidate
                    best = db
                    history.append((sources.count, db))
                    if found.predicted { predictedAccepted += 1 }
                    accepted = true
                    checkpoint(ImageSourceModel(sources: sources, frame: frame, frequencies: train.frequencies, carrier: train.carrier,
                                                phaseModel: phaseModel, gainReference: centre, scale: train.scale), db)
                    // Slow progress while per-path gain maps would explain much more: something other than missing
                    // paths (blockage, patterns) dominates — continue the search with gain maps.
                    if mapsInLoop && !useMaps && gain < options.slowProgressDB {
                        useMaps = true
                        let j = judged(sources, phaseModel)
                        if j.mapped && j.db < db - 3 {
                            decisions.append(String(format: "slow progress at %d paths (%.2f dB, last path %.2f dB): continuing with gain maps during the search (%.2f dB)",
                                                    sources.count, db, gain, j.db))
                            best = j.db
                            acceptedWithMap = true
                        } else {
                            useMaps = false
                        }
                    }
                }
            }
            if !accepted {
                if mapsInLoop && !useMaps && !sources.isEmpty {
                    useMaps = true
                    let j = judged(sources, phaseModel)
                    decisions.append(String(format: "path search stalled at %d paths (%.2f dB): continuing with gain maps during the search (%.2f dB)",
                                            sources.count, best, j.db))
                    if j.mapped { best = j.db; acceptedWithMap = true }
                    continue
                }
                decisions.append(String(format: "stopped at %d paths: none of %d candidates for path %d improved validation NMSE (%.2f dB; last %.2f dB)",
                                        sources.count, attempts.count, newIndex + 1, best, lastDB))
                break
            }
        }
        if sources.count == options.maxSources { decisions.append("stopped at the maximum of \(options.maxSources) paths") }
        if predictedAccepted > 0 {
            decisions.append("\(predictedAccepted) of \(sources.count) paths came from images predicted by the reflectors found (ImageGeometry)")
        }
        // The phase model was chosen on the first path alone; with all paths in place, the other model gets a
        // second look (all sources refitted jointly under it).
        if options.tryPlaneWave && sources.count > 1 && !cancelled() {
            progress(Progress(stage: "array phase model", sources: sources.count, validationNMSEDB: best, elapsed: elapsed()))
            let other: ArrayPhaseModel = phaseModel == .spherical ? .planeWave : .spherical
            let p = problem(wholeArea, sources: sources.count, free: Set(sources.indices), phase: other, slopes: slopeAxes)
            let alt = lm(p, solveGains(p, sources))
            let j = judged(alt, other)
            let keep = j.db < best - options.minimumImprovementDB
            decisions.append(String(format: "array phase model with all %d paths: %@ %.2f dB vs %@ %.2f dB → %@", sources.count,
                                    phaseModel.rawValue, best, other.rawValue, j.db, keep ? other.rawValue : phaseModel.rawValue))
            if keep { phaseModel = other; sources = alt; best = j.db; acceptedWithMap = j.mapped }
        }
        decisions.append("array phase model: \(phaseModel.rawValue)")
        // 4. Optional linear gain variation.
        if options.tryGainSlopes && !sources.isEmpty && !cancelled() {
            progress(Progress(stage: "gain slopes", sources: sources.count, validationNMSEDB: best, elapsed: elapsed()))
            let axes = flat ? [0, 1] : [0, 1, 2]
            let p = problem(wholeArea, sources: sources.count, free: Set(sources.indices), phase: phaseModel, slopes: axes)
            let alt = lm(p, solveGains(p, sources))
            let altDB = validationDB(alt, phaseModel)
            let keep = altDB < best - options.minimumImprovementDB
            decisions.append(String(format: "linear gain variation: %.2f dB vs %.2f dB constant → %@", altDB, best, keep ? "kept" : "not kept"))
            if keep { sources = alt; best = altDB; slopeAxes = axes }
        }
        // 5. Optional per-path gain maps (flat surveys): blockage, patterns, gain drift.
        var gainMap: GainMap? = nil
        if options.tryGainMaps && flat && !sources.isEmpty && !cancelled() {
            progress(Progress(stage: "gain maps", sources: sources.count, validationNMSEDB: best, elapsed: elapsed()))
            var constant = model(sources, phaseModel)
            for l in constant.sources.indices { constant.sources[l].gainSlope = (.zero, .zero, .zero) }
            constant.sources = {
                // Global gains refitted without slopes as the ridge target.
                let p = problem(wholeArea, sources: sources.count, free: [], phase: phaseModel, slopes: [])
                return solveGains(p, constant.sources)
            }()
            let estimator = GainMapEstimator(model: constant, positions: train.positions, channels: aligned(constant, all),
                                             width: options.width)
            let local = estimator.localGains()
            let lambda = speedOfLight / train.carrier
            var results: [String] = []
            var bestMap: (db: Double, model: ImageSourceModel)? = nil
            for factor in [0.5, 1.0, 2.0] {
                let sigma = factor * lambda
                var m = constant
                m.gainMap = estimator.map(sigma: sigma, local: local)
                let db = ChannelError.measure(m, positions: validation.positions, reference: validation.channels,
                                              nuisance: options.nuisance, width: options.width).nmseDB
                results.append(String(format: "σ = %.1f cm: %.2f dB", sigma * 100, db))
                if db < (bestMap?.db ?? .infinity) { bestMap = (db, m) }
            }
            // Keep the best map if it beats constant/linear gains, or if the search already relied on a map.
            if let b = bestMap, b.db < best - options.minimumImprovementDB || (acceptedWithMap && b.db <= best + 0.05) {
                best = b.db; gainMap = b.model.gainMap; sources = b.model.sources; slopeAxes = []
            }
            decisions.append("per-path gain maps (validation NMSE): " + results.joined(separator: ", ") + (gainMap == nil ? " → not kept" : String(format: " → kept σ = %.1f cm", gainMap!.spacing * 100)))
        }
        var final = ImageSourceModel(sources: sources, frame: frame, frequencies: train.frequencies,
                                     carrier: train.carrier, phaseModel: phaseModel, gainReference: centre, scale: train.scale)
        final.gainMap = gainMap
        if options.nuisance != .none && !sources.isEmpty {
            let c = Self.gaugeFactor(final, train: train, nuisance: options.nuisance, width: options.width)
            decisions.append(String(format: "unsynchronised survey (%@): gains pinned to the survey's mean frame gain (×%.3g, %.1f°)",
                                    options.nuisance.rawValue, c.length, c.phase * 180 / .pi))
            for l in final.sources.indices {
                final.sources[l].gain = final.sources[l].gain * c
                let g = final.sources[l].gainSlope
                final.sources[l].gainSlope = (g.0 * c, g.1 * c, g.2 * c)
            }
            if let map = final.gainMap { final.gainMap = map.scaled(by: c) }
        }
        return Result(model: final, validationNMSEDB: best, decisions: decisions, history: history)
    }

    /// A source mirrored through the plane z = z0 (indistinguishable from a flat survey), kept above it.
    static func mirrorAbove(_ s: ImageSource, z0: Double) -> ImageSource {
        s.center.z < z0 ? mirrored(s, z0: z0) : s
    }

    /// A source mirrored through the plane z = z0.
    static func mirrored(_ s: ImageSource, z0: Double) -> ImageSource {
        var m = s
        m.center.z = 2 * z0 - s.center.z
        m.e1.z = -s.e1.z; m.e2.z = -s.e2.z; m.e3.z = -s.e3.z
        return m
    }
}
