import CSIChannel
import CSINumerics
import Foundation
import Numerics

/// Where a new path might be: an image-array centre and frame, and how it was found.
struct PathCandidate {
    enum Origin {
        /// Predicted from the reflectors the fitted sources reveal (`ImageGeometry`): already where the geometry
        /// puts it, so not refined by the coherent search.
        case predicted
        /// A back-projection peak, to be refined by the coherent search.
        case backProjection
    }
    var position: Point3
    var frame: (Point3, Point3, Point3)
    var origin: Origin
}

/// The candidates for the next path and the coherent search that refines them, both built on the residual of the
/// model accepted so far (docs/model.md, "The image-source fit", steps 2, 3 and 5).
struct PathCandidates {
    /// Predicted images first (best matched-filter score first), then the back-projection peaks.
    var candidates: [PathCandidate]
    /// The gain-free matched filter over the points nearest the survey centre, on the same residual.
    var coherent: CoherentSearch
}

/// Finds candidates for the next path: back-projection of the residual over a box around the survey, and images
/// predicted from the reflectors the fitted sources reveal, scored by the coherent search's matched filter.
struct PathCandidateSearch {
    let context: FitContext
    let geometry: ImageGeometry

    init(context: FitContext) {
        self.context = context
        geometry = ImageGeometry(array: context.frame, surveyHeight: context.flatHeight, surveyCentre: context.centre)
    }

    /// Candidates for a path after `sources`, on the residual against `residualModel` (the model of `sources`,
    /// with a gain map if the search uses them); the back-projection points are drawn by `sampler`.
    func run(sources: [ImageSource], residualModel: ImageSourceModel, sampler: inout PointSampler) -> PathCandidates {
        let options = context.options, train = context.train, frame = context.frame, centre = context.centre
        let residuals = { (idx: [Int]) in context.residuals(against: residualModel, alignToModel: !sources.isEmpty, idx)
        }
        let bpIdx = sampler.points(within: context.focusRadius, limit: options.backProjectionPoints)
        // Before any source is known, an unsynchronised survey's frames share no phase or timing reference.
        let perFrame: NuisanceModel = sources.isEmpty ? options.nuisance : .none
        let bp = BackProjection(
            frame: frame, frequencies: train.frequencies, carrier: train.carrier,
            points: bpIdx.map { train.positions[$0] }, residuals: residuals(bpIdx),
            delayKnown: perFrame != .phaseGainAndTiming, width: options.width)
        let span = (frame.center - centre).length + context.reach
        let lower = Point3(
            centre.x - 2 * span, centre.y - 2 * span, context.flatHeight ?? (context.heights.lowerBound - 2 * span))
        let upper = Point3(
            centre.x + 2 * span, centre.y + 2 * span, (context.flatHeight ?? context.heights.upperBound) + 2 * span)
        let coarse = max(0.5, 4 * span / 60)
        let peaks = bp.search(
            box: (lower, upper), coarseStep: coarse, count: options.candidatesPerPath, width: options.width)
        let cIdx = Array(context.byDistance.prefix(min(options.coherentPoints, context.byDistance.count)))
        let coherent = CoherentSearch(
            frame: frame, frequencies: train.frequencies, points: cIdx.map { train.positions[$0] },
            residuals: residuals(cIdx), width: options.width, perPoint: perFrame)
        let predicted = geometricCandidates(sources: sources, coherent: coherent)
        let candidates =
            predicted.map { PathCandidate(position: $0.center, frame: ($0.e1, $0.e2, $0.e3), origin: .predicted) }
            + peaks.map { PathCandidate(position: $0.position, frame: $0.frame, origin: .backProjection) }
        return PathCandidates(candidates: candidates, coherent: coherent)
    }

    /// The best `geometricCandidatesPerPath` images predicted from the fitted sources' reflectors, by the share
    /// of the residual energy (at the coherent-search points) their gain-free matched filter explains.
    func geometricCandidates(sources: [ImageSource], coherent: CoherentSearch) -> [ImageSource] {
        let options = context.options
        guard options.geometricCandidatesPerPath > 0 else { return [] }
        // Reflectors show in the straight paths only (a diffracted path's image array is not a mirror of a plane).
        let predictions = geometry.predictions(from: sources.filter { $0.edge == nil })
        guard !predictions.isEmpty else { return [] }
        let energy = coherent.residuals.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + $1 * $1 } }
        guard energy > 0 else { return [] }
        var scores = [Double](repeating: 0, count: predictions.count)
        scores.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let out = buf
            Parallel.forEachChunk(count: predictions.count, width: options.width, minChunk: 4) { range in
                for i in range {
                    out[i] =
                        coherent.score(
                            predictions[i].center, frame: (predictions[i].e1, predictions[i].e2, predictions[i].e3))
                        / energy
                }
            }
        }
        return predictions.indices
            .filter { scores[$0] >= options.geometricMinimumShare }
            .sorted { scores[$0] > scores[$1] }
            .prefix(options.geometricCandidatesPerPath)
            .map { predictions[$0] }
    }

    /// A back-projection candidate refined by the coherent search on a spherical grid around it (for a line array
    /// also sweeping the roll about its axis); a predicted one as it is.
    func refined(_ candidate: PathCandidate, by coherent: CoherentSearch) -> Point3 {
        guard candidate.origin == .backProjection else { return candidate.position }
        return coherent.refine(
            start: candidate.position, frame: candidate.frame, origin: context.focus,
            uniformSpacing: context.uniformSpacing, minimumZ: context.flatHeight,
            angularHalfWidth: context.angularHalfWidth, rangeHalfWidth: context.rangeHalfWidth,
            coneAxis: context.frame.dimensionality == 1 ? candidate.frame.0 : nil
        ).position
    }
}
