import CSIChannel
import CSINumerics
import Foundation
import Numerics

/// One candidate for the next path, fitted and judged (docs/model.md, "The image-source fit", steps 4 and 6): the
/// continuation fit, then — for the first path — the choice of array phase model.
struct CandidateTrial {
    let context: FitContext
    let reporter: FitReporter
    /// Points of the whole-area stages.
    let wholeArea: [Int]

    /// Fits `candidate` (the accepted sources plus a new one, last) under `state`'s phase model and gain slopes,
    /// and judges it on validation.
    func run(_ candidate: [ImageSource], state: FitState, sampler: inout PointSampler) -> JudgedFit {
        let fitted = continuation(candidate, state: state, sampler: &sampler)
        let (judgement, judged) = context.judgeKeeping(fitted, state.phaseModel, gainMaps: state.gainMapsInSearch)
        let outcome = JudgedFit(
            sources: fitted, phaseModel: state.phaseModel, validationDB: judgement.validationDB,
            mapped: judgement.mapped, phaseComparison: nil, judged: judged)
        guard state.sources.isEmpty && context.options.tryPlaneWave else { return outcome }
        return firstPathPhaseChoice(outcome, gainMaps: state.gainMapsInSearch)
    }

    /// The continuation: the new source's geometry and all gains fitted on disks of growing radius around the
    /// survey centre (`continuationRadii`, each ≤ `stagePoints` points), then every unknown on the whole area.
    func continuation(_ candidate: [ImageSource], state: FitState, sampler: inout PointSampler) -> [ImageSource] {
        let options = context.options, newIndex = candidate.count - 1
        var candidate = candidate
        for radius in options.continuationRadii + [Double.infinity] {
            reporter.report(
                .continuation(path: newIndex + 1, radius: radius.isFinite ? radius : nil), sources: newIndex + 1,
                validationDB: state.validationDB)
            let idx = radius.isFinite ? sampler.points(within: radius, limit: options.stagePoints) : wholeArea
            let p = context.problem(
                idx, sources: candidate.count, free: radius.isFinite ? [newIndex] : Set(candidate.indices),
                phase: state.phaseModel, slopes: state.slopeAxes)
            candidate = context.refit(p, candidate, convergence: .search)
            if reporter.cancelled() { break }
        }
        return candidate
    }

    /// The first path refitted under the plane-wave phase model, which replaces the spherical fit only if better by
    /// `minimumImprovementDB`: spherical wavefronts are the physics of a real array, the plane-wave approximation
    /// must earn its place (a near-tie, e.g. when the first path explains little, keeps spherical).
    func firstPathPhaseChoice(_ spherical: JudgedFit, gainMaps: Bool) -> JudgedFit {
        let p = context.problem(wholeArea, sources: 1, free: [0], phase: .planeWave, slopes: [])
        let alt = context.refit(p, spherical.sources, convergence: .search)
        let (j, judged) = context.judgeKeeping(alt, .planeWave, gainMaps: gainMaps)
        let comparison = ImageSourceFitter.Decision.firstPathPhaseModels(
            sphericalDB: spherical.validationDB, planeWaveDB: j.validationDB)
        guard j.validationDB < spherical.validationDB - context.options.minimumImprovementDB else {
            var kept = spherical
            kept.phaseComparison = comparison
            return kept
        }
        return JudgedFit(
            sources: alt, phaseModel: .planeWave, validationDB: j.validationDB, mapped: j.mapped,
            phaseComparison: comparison, judged: judged)
    }
}
