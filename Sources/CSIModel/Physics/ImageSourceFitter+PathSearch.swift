import CSIChannel
import CSINumerics
import Foundation
import Numerics

/// The greedy, blind path search (docs/model.md, "The image-source fit", steps 2–6): for each new path, candidates
/// from the residual (`PathCandidateSearch`), each tried through the continuation fit (`CandidateTrial`) and kept
/// if it improves validation NMSE by `minimumImprovementDB`; stops when no candidate does or a `StoppingRules`
/// rule applies.
///
/// The search first judges models with constant gains. When it stalls or progresses slowly, it switches to also
/// trying per-path gains mapped over the survey (width λ), keeping whichever is better on validation (and using it
/// for the residual): blockage then no longer masquerades as missing paths, while an exactly representable scene
/// is fitted exactly before any smoothing map is involved.
struct PathSearch {
    let context: FitContext
    let reporter: FitReporter
    let candidateSearch: PathCandidateSearch
    let trial: CandidateTrial
    let stoppingRules: StoppingRules
    let diffraction: DiffractionSearch

    init(context: FitContext, reporter: FitReporter, wholeArea: [Int]) {
        self.context = context
        self.reporter = reporter
        diffraction = DiffractionSearch(context: context, reporter: reporter, wholeArea: wholeArea)
        candidateSearch = PathCandidateSearch(context: context)
        trial = CandidateTrial(context: context, reporter: reporter, wholeArea: wholeArea)
        stoppingRules = StoppingRules(context: context)
    }

    /// Whether the fit's time budget is spent (checked between candidates, so a path's search ends within one trial).
    var overBudget: Bool { context.options.timeBudget.map { reporter.elapsed > $0 } ?? false }

    /// Whether the search may switch to judging candidates with gain maps (flat surveys only).
    var mayUseGainMaps: Bool { context.options.tryGainMaps && context.options.gainMapsDuringSearch && context.isFlat }

    /// Adds paths to `state` (sources, validation NMSE, history, decisions) until the search stops.
    func run(_ state: inout FitState, sampler: inout PointSampler) {
        while state.sources.count < context.options.maxSources && !reporter.cancelled() {
            if let stop = stoppingRules.beforeSearch(state, elapsed: reporter.elapsed) {
                state.decisions.append(stop); break
            }
            // The best path around a known edge (none without `Options.edges`), kept if it beats the point source
            // the search would add instead (accepting it first made the greedy order worse: a weaker path early).
            let diffracted = diffraction.run(state)
            func acceptDiffracted(_ d: (fit: JudgedFit, decision: ImageSourceFitter.Decision)) {
                accept(d.fit, predicted: false, into: &state)
                state.decisions.append(d.decision)
            }
            reporter.report(
                .backProjection(path: state.sources.count + 1), sources: state.sources.count,
                validationDB: state.validationDB)
            let residualModel =
                state.judgedModel
                ?? context.judge(state.sources, state.phaseModel, gainMaps: state.gainMapsInSearch).model
            if let stop = stoppingRules.onResidual(state, residualModel: residualModel) {
                if let diffracted { acceptDiffracted(diffracted); continue }
                state.decisions.append(stop); break
            }
            let found = candidateSearch.run(sources: state.sources, residualModel: residualModel, sampler: &sampler)
            var withPoint = state
            let pointLastDB = addPath(from: found, to: &withPoint, sampler: &sampler)
            if let diffracted, pointLastDB != nil || diffracted.fit.validationDB < withPoint.validationDB {
                acceptDiffracted(diffracted)
                continue
            }
            state = withPoint
            guard let lastDB = pointLastDB else { continue }
            if let stalled = switchToGainMaps(afterStallOf: state) {
                state.gainMapsInSearch = true
                state.decisions.append(stalled.decision)
                if let mapped = stalled.mapped { state.validationDB = mapped; state.acceptedWithMap = true }
                continue
            }
            if overBudget { state.decisions.append(.timeBudgetReached); break }
            // Look wider before giving up: a path blocked over much of the survey shows on the residual of a part.
            var regions: [SubRegion] = [], foundInRegion = false
            for fraction in context.options.subRegionRadiusFractions where !foundInRegion {
                let tier = subRegions(residualModel: residualModel, radiusFraction: fraction)
                regions += tier
                if let region = addPathInSubRegions(tier, residualModel: residualModel, to: &state) {
                    state.decisions.append(
                        .subRegionPath(path: state.sources.count, focus: region.focus, radius: region.radius))
                    foundInRegion = true
                }
            }
            if foundInRegion { continue }
            if overBudget { state.decisions.append(.timeBudgetReached); break }
            state.decisions.append(
                .noCandidateImproved(
                    paths: state.sources.count, candidates: found.candidates.count,
                    validationDB: state.validationDB, lastCandidateDB: lastDB,
                    subRegions: regions.count))
            break
        }
    }

    /// Tries `found`'s candidates in order and accepts the first that improves validation NMSE by
    /// `minimumImprovementDB`. Returns nil once one is accepted, else the validation NMSE of the last one tried.
    func addPath(from found: PathCandidates, to state: inout FitState, sampler: inout PointSampler) -> Double? {
        addPath(from: found, to: &state, sampler: &sampler, search: candidateSearch, trial: trial)
    }

    /// `addPath` with the candidate search and trial of a (possibly focused) context.
    func addPath(
        from found: PathCandidates, to state: inout FitState, sampler: inout PointSampler,
        search candidateSearch: PathCandidateSearch, trial: CandidateTrial
    ) -> Double? {
        var lastDB = state.validationDB
        for (attempt, candidate) in found.candidates.enumerated() where !reporter.cancelled() && !overBudget {
            if candidate.origin == .backProjection {
                reporter.report(
                    .coherentSearch(path: state.sources.count + 1, candidate: attempt + 1),
                    sources: state.sources.count,
                    validationDB: state.validationDB)
            }
            let position = candidateSearch.refined(candidate, by: found.coherent)
            let outcome = trial.run(
                state.sources + [ImageSource(center: position, frame: candidate.frame)], state: state,
                sampler: &sampler)
            lastDB = outcome.validationDB
            if outcome.validationDB <= state.validationDB - context.options.minimumImprovementDB {
                accept(outcome, predicted: candidate.origin == .predicted, into: &state)
                return nil
            }
        }
        return lastDB
    }

    /// Most survey points tried as sub-region centres.
    static let maximumSubRegionCentres = 4000
    /// Survey points whose residuals are held at once while the sub-regions are measured.
    static let residualChunk = 1024

    /// A sub-region of the survey the search may focus on: a disk around `focus`.
    struct SubRegion { var focus: Point3; var radius: Double }

    /// Up to `Options.subRegionsPerPath` disjoint disks of radius `radiusFraction` × the survey's reach, centred on
    /// survey points, holding the most residual energy against `residualModel` (greedy: the best disk, then the best
    /// whose centre is outside the disks chosen so far).
    func subRegions(residualModel: ImageSourceModel, radiusFraction: Double) -> [SubRegion] {
        let options = context.options
        guard options.subRegionsPerPath > 0, !context.byDistance.isEmpty else { return [] }
        let idx = context.allPoints
        let positions = context.train.positions
        // Residual energy per survey point, computed in chunks: the residuals of a whole survey at once would be
        // N × 2·N_a·N_s doubles (61 MB for 15 000 points of 16 × 16).
        var pointEnergy = [Double](repeating: 0, count: positions.count)
        for start in Swift.stride(from: 0, to: idx.count, by: Self.residualChunk) {
            let chunk = Array(idx[start..<min(start + Self.residualChunk, idx.count)])
            for (p, r) in zip(chunk, context.residuals(against: residualModel, alignToModel: true, chunk)) {
                pointEnergy[p] = r.reduce(0.0) { $0 + $1 * $1 }
            }
        }
        let energy = pointEnergy
        let radius = radiusFraction * context.reach
        guard radius > 0, radius.isFinite else { return [] }
        // Residual energy in the disk around each candidate centre: every survey point, or an even subsample of
        // at most `maximumSubRegionCentres` of them (the cost is N × centres distance tests).
        let step = max(1, (idx.count + Self.maximumSubRegionCentres - 1) / Self.maximumSubRegionCentres)
        let centres = Swift.stride(from: 0, to: idx.count, by: step).map { idx[$0] }
        var inDisk = [Double](repeating: 0, count: centres.count)
        inDisk.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let out = buf
            Parallel.forEachChunk(count: centres.count, width: options.width, minChunk: 64) { range in
                for k in range {
                    var sum = 0.0
                    for p in idx where (positions[p] - positions[centres[k]]).length <= radius { sum += energy[p] }
                    out[k] = sum
                }
            }
        }
        var chosen: [SubRegion] = []
        for k in centres.indices.sorted(by: { inDisk[$0] > inDisk[$1] }) where chosen.count < options.subRegionsPerPath
        {
            let c = centres[k]
            if chosen.allSatisfy({ (positions[c] - $0.focus).length > radius }) {
                chosen.append(SubRegion(focus: positions[c], radius: radius))
            }
        }
        return chosen
    }

    /// Tries the candidates found in each sub-region (search focused there) and accepts the first that improves
    /// validation NMSE; returns the region it came from.
    func addPathInSubRegions(
        _ regions: [SubRegion], residualModel: ImageSourceModel, to state: inout FitState
    ) -> SubRegion? {
        for region in regions where !reporter.cancelled() && !overBudget {
            let focused = context.focused(on: region.focus, radius: region.radius)
            var sampler = PointSampler(context: focused)
            let search = PathCandidateSearch(context: focused)
            let found = search.run(sources: state.sources, residualModel: residualModel, sampler: &sampler)
            let focusedTrial = CandidateTrial(context: focused, reporter: reporter, wholeArea: trial.wholeArea)
            if addPath(from: found, to: &state, sampler: &sampler, search: search, trial: focusedTrial) == nil {
                return region
            }
        }
        return nil
    }

    /// Makes `outcome` the model so far, reports it as a checkpoint, and switches the search to gain maps if the
    /// path gained little while gain maps would explain much more (≥ 3 dB): something other than missing paths
    /// (blockage, patterns) then dominates.
    func accept(_ outcome: JudgedFit, predicted: Bool, into state: inout FitState) {
        let gain = state.validationDB - outcome.validationDB
        if let comparison = outcome.phaseComparison { state.decisions.append(comparison) }
        state.adopt(outcome)
        state.history.append((state.sources.count, outcome.validationDB))
        if predicted { state.predictedAccepted += 1 }
        reporter.checkpoint(
            context.model(state.sources, state.phaseModel, scale: context.train.scale), outcome.validationDB)
        guard mayUseGainMaps && !state.gainMapsInSearch && gain < context.options.slowProgressDB else { return }
        let (j, judged) = context.judgeKeeping(state.sources, state.phaseModel, gainMaps: true)
        guard j.mapped && j.validationDB < outcome.validationDB - 3 else { return }
        state.gainMapsInSearch = true
        state.lastJudged = judged
        state.decisions.append(
            .slowProgress(
                paths: state.sources.count, validationDB: outcome.validationDB, lastPathGainDB: gain,
                withGainMapsDB: j.validationDB))
        state.validationDB = j.validationDB
        state.acceptedWithMap = true
    }

    /// When no candidate improved a constant-gain model, the search continues judging with gain maps: the decision
    /// and the mapped model's validation NMSE if the map judged better (nil: no switch possible).
    func switchToGainMaps(afterStallOf state: FitState) -> (decision: ImageSourceFitter.Decision, mapped: Double?)? {
        guard mayUseGainMaps && !state.gainMapsInSearch && !state.sources.isEmpty else { return nil }
        let j = context.judge(state.sources, state.phaseModel, gainMaps: true)
        return (
            .searchStalled(
                paths: state.sources.count, validationDB: state.validationDB, withGainMapsDB: j.validationDB),
            j.mapped ? j.validationDB : nil
        )
    }
}

/// When the path search stops before looking for another path.
struct StoppingRules {
    let context: FitContext

    /// The rules that need no residual: the time budget and the data's numerical floor.
    func beforeSearch(_ state: FitState, elapsed: Double) -> ImageSourceFitter.Decision? {
        if let budget = context.options.timeBudget, elapsed > budget { return .timeBudgetReached }
        if state.validationDB < context.options.floorDB {
            return .numericalFloor(paths: state.sources.count, validationDB: state.validationDB)
        }
        return nil
    }

    /// The rules on the validation residual against `residualModel` (the model so far; none before any path): at
    /// the measurement-noise floor, or within reach of what the survey's position labels allow.
    func onResidual(_ state: FitState, residualModel m: ImageSourceModel) -> ImageSourceFitter.Decision? {
        guard !state.sources.isEmpty else { return nil }
        let options = context.options, best = state.validationDB
        let v = context.validation.aligned(to: m, outputScale: 1, nuisance: options.nuisance, width: options.width)
        let floor = ResidualNoiseFloor.estimate(
            data: v.channels, predicted: m.channels(at: v.positions),
            antennas: v.antennaCount, subcarriers: v.subcarrierCount)
        if floor.whiteness > 0.8 && best <= floor.floorDB + options.noiseFloorMarginDB {
            return .noiseFloor(
                paths: state.sources.count, validationDB: best, floorDB: floor.floorDB, whiteness: floor.whiteness)
        }
        // Survey labels off by δ leave J·δ in the residual, which no path can explain: if removing all the rest
        // could not gain `minimumImprovementDB`, no new path can be accepted.
        let labels = LabelNoise.estimate(
            model: m, positions: v.positions, data: v.channels, dimensions: context.isFlat ? 2 : 3)
        let share = Foundation.pow(10, (labels.correctedNMSEDB - best) / 10)
        if labels.samples > 0 && share < 1 && -decibels(1 - share) < options.minimumImprovementDB {
            return .labelNoise(
                paths: state.sources.count, labelErrorRMS: labels.rms, correctedDB: labels.correctedNMSEDB,
                validationDB: best, requiredGainDB: options.minimumImprovementDB)
        }
        return nil
    }
}
