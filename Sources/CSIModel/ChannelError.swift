public import CSIChannel
public import CSINumerics

/// Reconstruction error of a channel model against reference channels (docs/method.md §5):
/// NMSE = mean over locations of ‖Ĥ − H‖²_F / ‖H‖²_F (the papers' metric) and the ratio of sums
/// Σ‖Ĥ − H‖² / Σ‖H‖² (dominated by strong locations), both also in dB.
public struct ChannelError: Sendable, Equatable {
    var meanRatio: Double
    var ratioOfSums: Double
    /// Number of locations compared.
    public var points: Int

    /// NMSE (mean over locations of ‖Ĥ − H‖²_F / ‖H‖²_F), dB.
    public var nmseDB: Double { decibels(meanRatio) }
    /// Ratio of sums Σ‖Ĥ − H‖² / Σ‖H‖², dB.
    public var nmseSumDB: Double { decibels(ratioOfSums) }

    /// Per-location error ratios of `model` at `positions` against `reference` (2·Na·Ns Doubles per location,
    /// in the model's output units), on all cores. With a `nuisance`, each location's error is taken after its
    /// own best gain, phase (and timing offset): min ‖H − α D(τ) Ĥ‖² (docs/model.md, "Unsynchronised surveys").
    public static func perLocation(
        _ model: some ChannelModel, positions: [Point3], reference: UnsafeBufferPointer<Double>,
        nuisance: NuisanceModel = .none,
        width: Int = Parallel.defaultWidth
    ) -> (error: [Double], energy: [Double]) {
        let stride = model.valuesPerChannel
        precondition(reference.count >= positions.count * stride, "reference channels too short")
        var err = [Double](repeating: 0, count: positions.count), energy = err
        nonisolated(unsafe) let ref = reference
        err.withUnsafeMutableBufferPointer { eb in
            energy.withUnsafeMutableBufferPointer { nb in
                nonisolated(unsafe) let e = eb, n = nb
                Parallel.forEachChunk(count: positions.count, width: width, minChunk: 32) { range in
                    var out = [Double](repeating: 0, count: range.count * stride)
                    positions.withUnsafeBufferPointer { p in
                        out.withUnsafeMutableBufferPointer {
                            model.evaluate(UnsafeBufferPointer(rebasing: p[range]), into: $0)
                        }
                    }
                    var match = nuisance == .none ? nil : NuisanceMatch(model: model, nuisance: nuisance)
                    for (i, m) in range.enumerated() {
                        if match != nil {
                            match!.load(UnsafeBufferPointer(rebasing: ref[(m * stride)..<((m + 1) * stride)]))
                            e[m] = out.withUnsafeBufferPointer { match!.evaluate($0.baseAddress! + i * stride).cost }
                            n[m] = match!.energy
                            continue
                        }
                        var se = 0.0, sn = 0.0
                        for t in 0..<stride {
                            let h = ref[m * stride + t], d = out[i * stride + t] - h
                            se += d * d; sn += h * h
                        }
                        e[m] = se; n[m] = sn
                    }
                }
            }
        }
        return (err, energy)
    }

    /// NMSE of `model` at `positions` against `reference`.
    public static func measure(
        _ model: some ChannelModel, positions: [Point3], reference: [Double],
        nuisance: NuisanceModel = .none, width: Int = Parallel.defaultWidth
    ) -> ChannelError {
        let (e, n) = reference.withUnsafeBufferPointer {
            perLocation(model, positions: positions, reference: $0, nuisance: nuisance, width: width)
        }
        return from(error: e, energy: n)
    }

    /// Combines per-location squared errors and energies.
    public static func from(error e: [Double], energy n: [Double]) -> ChannelError {
        var mean = 0.0, se = 0.0, sn = 0.0, count = 0
        for i in e.indices where n[i] > 0 { mean += e[i] / n[i]; count += 1; se += e[i]; sn += n[i] }
        return ChannelError(
            meanRatio: count > 0 ? mean / Double(count) : .nan,
            ratioOfSums: sn > 0 ? se / sn : .nan, points: e.count)
    }
}
