import CSIChannel
import CSINumerics
import Foundation
import Numerics

extension ImageSourceFitter {
    /// The best `geometricCandidatesPerPath` images predicted from the fitted sources' reflectors, by the share
    /// of the residual energy (at the coherent-search points) their gain-free matched filter explains.
    func geometricCandidates(sources: [ImageSource], geometry: ImageGeometry, coherent: CoherentSearch) -> [ImageSource] {
        guard options.geometricCandidatesPerPath > 0 else { return [] }
        let predictions = geometry.predictions(from: sources)
        guard !predictions.isEmpty else { return [] }
        let energy = coherent.residuals.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + $1 * $1 } }
        guard energy > 0 else { return [] }
        var scores = [Double](repeating: 0, count: predictions.count)
        scores.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let out = buf
            Parallel.forEachChunk(count: predictions.count, width: options.width, minChunk: 4) { range in
                for i in range { out[i] = coherent.score(predictions[i].center, frame: (predictions[i].e1, predictions[i].e2, predictions[i].e3)) / energy }
            }
        }
        return predictions.indices
            .filter { scores[$0] >= options.geometricMinimumShare }
            .sorted { scores[$0] > scores[$1] }
            .prefix(options.geometricCandidatesPerPath)
            .map { predictions[$0] }
    }
}
