public import CSIChannel
public import CSINumerics

/// Normalised mean squared error of a channel map, in both conventions of docs/method.md §5:
/// the mean over locations of ‖Ĥ − H‖²/‖H‖² and the ratio of sums Σ‖Ĥ − H‖² / Σ‖H‖², in dB.
public struct NMSE: Sendable, Equatable {
    /// 10·log10(mean_x ‖Ĥ − H‖²/‖H‖²).
    var meanDB: Double
    /// 10·log10(Σ_x ‖Ĥ − H‖² / Σ_x ‖H‖²).
    var ratioOfSumsDB: Double
    /// Number of locations.
    public var count: Int

    init(meanDB: Double, ratioOfSumsDB: Double, count: Int) {
        self.meanDB = meanDB; self.ratioOfSumsDB = ratioOfSumsDB; self.count = count
    }

    /// Accumulates per-location errors: `error[m]` = ‖Ĥ_m − H_m‖², `power[m]` = ‖H_m‖².
    init(errors: [Double], powers: [Double]) {
        var ratio = 0.0, se = 0.0, sp = 0.0
        for (e, p) in zip(errors, powers) { ratio += p > 0 ? e / p : 0; se += e; sp += p }
        meanDB = decibels(ratio / Double(max(1, errors.count)))
        ratioOfSumsDB = decibels(se / max(sp, .leastNormalMagnitude))
        count = errors.count
    }

    /// NMSE between two sets of channels of `stride` values each (`estimate` vs `reference`).
    static func between(_ estimate: [Double], _ reference: [Double], stride: Int) -> NMSE {
        let n = reference.count / stride
        var e = [Double](repeating: 0, count: n), p = e
        for m in 0..<n {
            for t in 0..<stride {
                let h = reference[m * stride + t], d = estimate[m * stride + t] - h
                e[m] += d * d; p[m] += h * h
            }
        }
        return NMSE(errors: e, powers: p)
    }

    /// NMSE of any `ChannelModel` against reference channels (interleaved complex, antenna-major, the
    /// model's layout and units), evaluated in chunks on `threads` threads. This is what `csiloc eval` reports.
    public static func evaluate(
        _ model: some ChannelModel, positions: [Point3], channels: [Double],
        threads: Int = Parallel.defaultWidth
    ) -> NMSE {
        precondition(
            channels.count == positions.count * model.valuesPerChannel, "channels do not match positions × 2·N_a·N_s")
        let (errors, powers) = channels.withUnsafeBufferPointer {
            ChannelError.perLocation(model, positions: positions, reference: $0, width: threads)
        }
        return NMSE(errors: errors, powers: powers)
    }

    /// NMSE of a model over a whole dataset (channels compared in the dataset's raw units).
    public static func evaluate(
        _ model: some ChannelModel, dataset: CSIDataset, threads: Int = Parallel.defaultWidth
    ) -> NMSE {
        evaluate(model, positions: dataset.positions, channels: dataset.csi.map { Double($0) }, threads: threads)
    }
}
