import CSIChannel
import CSINumerics
import Foundation
import Numerics

extension ImageSourceFitter {
    /// `model` with the gauge convention applied (`gaugeFactor`: every gain, gain slope and gain-map value
    /// multiplied by it), and the factor.
    static func pinnedToGauge(
        _ model: ImageSourceModel, train: TrainingData, nuisance: NuisanceModel,
        width: Int
    ) -> (model: ImageSourceModel, factor: Complex<Double>) {
        var pinned = model
        let c = gaugeFactor(model, train: train, nuisance: nuisance, width: width)
        for l in pinned.sources.indices {
            pinned.sources[l].gain = pinned.sources[l].gain * c
            let g = pinned.sources[l].gainSlope
            pinned.sources[l].gainSlope = (g.0 * c, g.1 * c, g.2 * c)
        }
        if let map = pinned.gainMap { pinned.gainMap = map.scaled(by: c) }
        return (pinned, c)
    }

    /// The convention that pins what an unsynchronised survey cannot fix (docs/model.md): the global complex gain
    /// c that makes the frames' own gains α_i (against the model × c) average to a real positive value and have
    /// a mean square of 1. A phase-coherent survey (α_i ≈ 1) thus gives back the coherent model.
    static func gaugeFactor(
        _ model: ImageSourceModel, train: TrainingData, nuisance: NuisanceModel, width: Int
    ) -> Complex<Double> {
        let stride = train.valuesPerSample
        // An evenly spaced subset of the survey (its order may follow space).
        let step = max(1, train.count / 2000)
        let idx = Array(Swift.stride(from: 0, to: train.count, by: step))
        // In the survey's normalised units (the file's model divides by `scale` when evaluated).
        var normalised = ImageSourceModel(
            sources: model.sources, frame: model.frame, frequencies: model.frequencies,
            carrier: model.carrier, phaseModel: model.phaseModel,
            gainReference: model.gainReference, scale: 1)
        normalised.gainMap = model.gainMap
        let pred = normalised.channels(at: idx.map { train.positions[$0] })
        var sum = Complex<Double>.zero, square = 0.0, used = 0
        var match = NuisanceMatch(model: model, nuisance: nuisance)
        for (n, i) in idx.enumerated() {
            train.channels.withUnsafeBufferPointer {
                match.load(UnsafeBufferPointer(rebasing: $0[(i * stride)..<((i + 1) * stride)]))
            }
            let fit = pred.withUnsafeBufferPointer { match.evaluate($0.baseAddress! + n * stride) }
            let a = Complex(fit.alpha.re, fit.alpha.im)
            guard a.real.isFinite && a.imaginary.isFinite else { continue }
            sum = sum + a; square += a.lengthSquared; used += 1
        }
        guard sum.length > 0, square > 0, used > 0 else { return Complex(1, 0) }
        let rms = (square / Double(used)).squareRoot()
        // Gains × c ⇒ α_i / c: phase of c = phase of mean α, |c| = rms |α|.
        return Complex(length: rms, phase: sum.phase)
    }
}
