import CSIChannel
import CSINumerics
import Foundation

/// What a model's quality map is made of, measured on samples with known positions (the validation split at
/// training, a test set in `csiloc eval --map`): per sample, the NMSE of the model there and whether the model
/// would be *fooled* there (docs/model.md, "Quality map").
///
/// Fooled: some point on the circles a localizer searches around a fix — radii kλ₀/c for k = 1, 2 and
/// c = 1, 0.9, 0.8, 0.7, sampled every λ₀/8 (docs/localization.md, stage (d)), inside the box — fits the sample's
/// measured channel better (phase-sensitive cost, the model's nuisance removed) than the model at the true
/// position. There the global minimum of the localizer's cost is not at the truth, whatever the search does, and
/// no residual can tell: a correct fix would leave more than the wrong one.
public enum QualityMeasurement {
    /// Circle orders and contractions of the neighbours tried (the localizer's defaults).
    static let orders = [1, 2]
    static let contractions = [1.0, 0.9, 0.8, 0.7]
    static let spacingWavelengths = 0.125

    /// Per-sample NMSE ‖H − f(x)‖²/‖H‖² (after the sample's own nuisance) and whether a neighbour fits better.
    /// `reference` holds the measured channels in the model's output units (2·Na·Ns Doubles per sample).
    public static func samples(model: some ChannelModel, positions: [Point3], reference: [Double], nuisance: NuisanceModel,
                               lower: Point3, upper: Point3, width: Int = Parallel.defaultWidth) -> (ratios: [Double], fooled: [Bool]) {
        let stride = model.valuesPerChannel
        precondition(reference.count >= positions.count * stride, "reference channels too short")
        let f = model.frequencies
        let lambda = speedOfLight / (f.reduce(0, +) / Double(max(1, f.count)))
        var circle: [Point3] = []
        for k in orders {
            for c in contractions {
                let r = Double(k) * lambda / c
                let n = max(4, Int((2 * Double.pi * r / (spacingWavelengths * lambda)).rounded(.up)))
                for i in 0..<n {
                    let a = 2 * Double.pi * Double(i) / Double(n)
                    circle.append(Point3(r * cos(a), r * sin(a), 0))
                }
            }
        }
        let offsets = circle
        let (lo, hi) = (lower - Point3(repeating: lambda / 2), upper + Point3(repeating: lambda / 2))
        var ratios = [Double](repeating: .nan, count: positions.count)
        var fooled = [Bool](repeating: false, count: positions.count)
        ratios.withUnsafeMutableBufferPointer { rb in
            fooled.withUnsafeMutableBufferPointer { fb in
                nonisolated(unsafe) let rb = rb, fb = fb
                Parallel.forEachChunk(count: positions.count, width: width, minChunk: 4) { range in
                    var match = NuisanceMatch(model: model, nuisance: nuisance)
                    var candidates = [Point3](repeating: .zero, count: offsets.count + 1)
                    var values = [Double](repeating: 0, count: candidates.count * stride)
                    for m in range {
                        let x = positions[m]
                        var count = 1
                        candidates[0] = x
                        for o in offsets {
                            let p = x + o
                            guard p.x >= lo.x, p.x <= hi.x, p.y >= lo.y, p.y <= hi.y else { continue }
                            candidates[count] = p; count += 1
                        }
                        candidates.withUnsafeBufferPointer { cb in
                            values.withUnsafeMutableBufferPointer {
                                model.evaluate(UnsafeBufferPointer(rebasing: cb[0..<count]),
                                               into: UnsafeMutableBufferPointer(rebasing: $0[0..<(count * stride)]))
                            }
                        }
                        reference.withUnsafeBufferPointer { match.load(UnsafeBufferPointer(rebasing: $0[(m * stride)..<((m + 1) * stride)])) }
                        let truth = values.withUnsafeBufferPointer { match.evaluate($0.baseAddress!).cost }
                        rb[m] = match.energy > 0 ? truth / match.energy : .nan
                        guard truth.isFinite else { continue }
                        for c in 1..<count {
                            let cost = values.withUnsafeBufferPointer { match.evaluate($0.baseAddress! + c * stride).cost }
                            if cost < truth { fb[m] = true; break }
                        }
                    }
                }
            }
        }
        return (ratios, fooled)
    }

    /// The quality map of `model` from samples over the box `lower`…`upper` (`ModelQualityMap.build`).
    public static func map(model: some ChannelModel, positions: [Point3], reference: [Double], nuisance: NuisanceModel,
                           lower: Point3, upper: Point3, width: Int = Parallel.defaultWidth) -> ModelQualityMap? {
        let s = samples(model: model, positions: positions, reference: reference, nuisance: nuisance, lower: lower, upper: upper, width: width)
        return ModelQualityMap.build(positions: positions, ratios: s.ratios, fooled: s.fooled, lower: lower, upper: upper)
    }
}
