import CSIChannel
import CSINumerics
import Foundation
import Numerics

/// The path search's refits stop at `Options.searchTolerance`; with every path in place, the straight ones are
/// refitted jointly to full convergence on the whole-area points (a diffracted path's geometry held) and kept if
/// validation improves, so that the later refinements (each a refit to full convergence) compare converged models.
/// An exact scene whose search left a source on a plateau (a line array's cone, crossed slowly) is finished here.
struct JointRefit {
    let context: FitContext
    let wholeArea: [Int]

    /// Whether the search's refits stopped short of full convergence (coherent surveys with a loose
    /// `searchTolerance`) and there is a straight path to refit.
    static func applies(to state: FitState, context: FitContext) -> Bool {
        state.sources.contains { $0.edge == nil } && context.options.nuisance == .none
            && context.options.searchTolerance > LevenbergMarquardt.Options().tolerance
    }

    /// The decision, and the refit when it is better on validation. A diffracted path's geometry is held, as the
    /// diffraction search holds it (its image may slide along the edge for almost nothing).
    func run(_ state: FitState) -> (decision: ImageSourceFitter.Decision, kept: JudgedFit?) {
        let straight = Set(state.sources.indices.filter { state.sources[$0].edge == nil })
        let p = context.problem(
            wholeArea, sources: state.sources.count, free: straight, phase: state.phaseModel, slopes: state.slopeAxes)
        let refitted = context.refit(p, state.sources)
        let j = context.judge(refitted, state.phaseModel, gainMaps: state.gainMapsInSearch)
        let kept = j.validationDB < state.validationDB
        return (
            .jointRefit(paths: straight.count, beforeDB: state.validationDB, afterDB: j.validationDB, kept: kept),
            kept
                ? JudgedFit(
                    sources: refitted, phaseModel: state.phaseModel, validationDB: j.validationDB, mapped: j.mapped)
                : nil
        )
    }
}

/// The second look at the array phase model (docs/model.md, "The image-source fit"): the phase model was chosen on
/// the first path alone; with all paths in place every source is refitted jointly under the other model, which
/// replaces the current one only if better by `minimumImprovementDB`.
struct PhaseModelReview {
    let context: FitContext
    let wholeArea: [Int]

    /// The decision, and the refit under the other phase model when it wins.
    func run(_ state: FitState) -> (decision: ImageSourceFitter.Decision, switch: JudgedFit?) {
        let other: ArrayPhaseModel = state.phaseModel == .spherical ? .planeWave : .spherical
        let p = context.problem(
            wholeArea, sources: state.sources.count, free: Set(state.sources.indices), phase: other,
            slopes: state.slopeAxes)
        let alt = context.refit(p, state.sources)
        let j = context.judge(alt, other, gainMaps: state.gainMapsInSearch)
        let switched = j.validationDB < state.validationDB - context.options.minimumImprovementDB
        let decision = ImageSourceFitter.Decision.phaseModelReview(
            paths: state.sources.count, current: state.phaseModel, currentDB: state.validationDB, other: other,
            otherDB: j.validationDB, switched: switched)
        return (
            decision,
            switched ? JudgedFit(sources: alt, phaseModel: other, validationDB: j.validationDB, mapped: j.mapped) : nil
        )
    }
}

/// Gains varying linearly with position (along x, y, and z for a 3-D survey), every source refitted with them;
/// kept only if better on validation by `minimumImprovementDB`.
struct GainSlopeTrial {
    let context: FitContext
    let wholeArea: [Int]

    /// The refit with gain slopes, when it is kept.
    struct Slopes {
        var sources: [ImageSource]
        var axes: [Int]
        var validationDB: Double
    }

    func run(_ state: FitState) -> (decision: ImageSourceFitter.Decision, kept: Slopes?) {
        let axes = context.isFlat ? [0, 1] : [0, 1, 2]
        let p = context.problem(
            wholeArea, sources: state.sources.count, free: Set(state.sources.indices), phase: state.phaseModel,
            slopes: axes)
        let alt = context.refit(p, state.sources)
        let altDB = context.judge(alt, state.phaseModel, gainMaps: state.gainMapsInSearch).validationDB
        let keep = altDB < state.validationDB - context.options.minimumImprovementDB
        return (
            .gainSlopes(slopedDB: altDB, constantDB: state.validationDB, kept: keep),
            keep ? Slopes(sources: alt, axes: axes, validationDB: altDB) : nil
        )
    }
}

/// Per-path gain maps (flat surveys; blockage, element patterns, gain drift): at every survey point the path
/// gains are solved by ridge-regularised least squares, smoothed onto a grid with a Gaussian kernel of width λ/2,
/// λ or 2λ and interpolated bilinearly (`GainMapEstimator`). The best width is kept if it beats the model so far
/// by `minimumImprovementDB`, or roughly matches it when the search already relied on a map.
struct GainMapTrial {
    let context: FitContext
    let wholeArea: [Int]

    /// Kernel widths tried, in wavelengths.
    static let widthsInWavelengths = [0.5, 1.0, 2.0]
    /// Most complex gains a cell-wise map may hold (paths × nodes): 16 MB in a model file.
    static let maximumCellMapValues = 1 << 20

    /// The sources (constant gains, refitted as the ridge target) with the best map, when it is kept.
    struct Kept {
        var model: ImageSourceModel
        var validationDB: Double
    }

    func run(_ state: FitState) -> (decision: ImageSourceFitter.Decision, kept: Kept?) {
        var constant = context.model(state.sources, state.phaseModel)
        for l in constant.sources.indices { constant.sources[l].gainSlope = (.zero, .zero, .zero) }
        // Global gains refitted without slopes as the ridge target.
        let p = context.problem(wholeArea, sources: state.sources.count, free: [], phase: state.phaseModel, slopes: [])
        constant.sources = context.solveGains(p, constant.sources)
        let estimator = GainMapEstimator(
            model: constant, positions: context.train.positions,
            channels: context.aligned(constant, context.allPoints), width: context.options.width)
        let local = estimator.localGains()
        let lambda = context.wavelength
        var widths: [ImageSourceFitter.Decision.GainMapWidth] = []
        var best: (kept: Kept, width: ImageSourceFitter.Decision.GainMapWidth)? = nil
        func consider(_ m: ImageSourceModel, _ width: ImageSourceFitter.Decision.GainMapWidth) {
            widths.append(width)
            if width.validationDB < (best?.kept.validationDB ?? .infinity) {
                best = (Kept(model: m, validationDB: width.validationDB), width)
            }
        }
        for factor in Self.widthsInWavelengths {
            let sigma = factor * lambda
            var m = constant
            m.gainMap = estimator.map(sigma: sigma, local: local)
            consider(m, .init(sigma: sigma, validationDB: context.validationDB(m)))
        }
        // The same smoothed only inside straight-edged cells (blockage edges kept sharp), on a finer grid.
        let segmentations =
            context.options.cellGainMaps ? estimator.segmentations(local: local, orders: context.cutOrders) : []
        let cells = segmentations.reduce(0) { $0 + $1.cellCount }
        if context.options.cellGainMaps && cells > segmentations.count {
            let spacing = Self.cellMapSpacing(context: context, paths: constant.sources.count)
            for factor in Self.widthsInWavelengths {
                let sigma = factor * lambda
                var m = constant
                m.gainMap = estimator.map(
                    sigma: sigma, spacing: min(spacing, sigma), local: local, segmentations: segmentations)
                consider(m, .init(sigma: sigma, validationDB: context.validationDB(m), cells: cells))
            }
        }
        // Keep the best map if it beats constant/linear gains, or if the search already relied on a map.
        let current = state.validationDB
        if let b = best,
            b.kept.validationDB < current - context.options.minimumImprovementDB
                || (state.acceptedWithMap && b.kept.validationDB <= current + 0.05)
        {
            return (.gainMaps(widths: widths, kept: b.width), b.kept)
        }
        return (.gainMaps(widths: widths, kept: nil), nil)
    }

    /// Grid step of cell-wise maps: λ/4 (a blockage edge blurs over one step), coarser when the map would hold more
    /// than `maximumCellMapValues` complex gains.
    static func cellMapSpacing(context: FitContext, paths: Int) -> Double {
        let xs = context.train.positions.map(\.x), ys = context.train.positions.map(\.y)
        let area = max((xs.max()! - xs.min()!) * (ys.max()! - ys.min()!), 1e-6)
        let budgetSpacing = (area * Double(max(paths, 1)) / Double(maximumCellMapValues)).squareRoot()
        return max(context.wavelength / 4, budgetSpacing)
    }
}
