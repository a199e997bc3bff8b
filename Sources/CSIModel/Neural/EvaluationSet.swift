import CSIChannel
import CSINumerics

/// Positions, targets and full-channel powers of a subset of `TrainingData`, for NMSE during training.
struct EvaluationSet: Sendable {
    let positions: [Point3]
    /// Targets (network units), count × 2·N_a·N_s.
    let targets: [Double]
    /// ‖H‖² of the full (scaled) channel per sample: the NMSE denominators.
    let powers: [Double]
    let stride: Int

    init(indices: [Int], data: TrainingData, targets goal: [Double]) {
        stride = data.valuesPerSample
        positions = indices.map { data.positions[$0] }
        var t = [Double](repeating: 0, count: indices.count * stride), p = [Double](repeating: 0, count: indices.count)
        for (r, m) in indices.enumerated() {
            for e in 0..<stride {
                t[r * stride + e] = goal[m * stride + e]
                p[r] += data.channels[m * stride + e] * data.channels[m * stride + e]
            }
        }
        targets = t; powers = p
    }

    /// NMSE of the network's predictions against the targets, normalised by the full-channel powers. With a
    /// `nuisance`, each sample's error is min_{α,τ} ‖H − α D(τ) Ĥ‖² (`NuisanceMatch`, in Float64; the targets must
    /// then be the channels): the nuisance-invariant NMSE, averaged like `NMSE`.
    @_specialize(where N == MBINR<Float>)
    @_specialize(where N == FieldMLP<Float>)
    func nmse<N: NeuralField>(of net: N, threads: Int, nuisance: NuisanceModel = .none, chunk: Int = 256) -> NMSE {
        let errors = SharedBuffer<Double>(count: positions.count)
        let st = stride, pos = positions, tgt = targets, geometry = net.geometry
        Parallel.forEachChunk(count: positions.count, width: threads, minChunk: chunk) { range in
            var y = [N.Scalar](repeating: 0, count: range.count * st)
            pos[range].withUnsafeBufferPointer { p in
                y.withUnsafeMutableBufferPointer { net.predict(p, into: $0.baseAddress!) }
            }
            if nuisance != .none {
                var match = geometry.nuisanceMatch(nuisance)
                var f = [Double](repeating: 0, count: st)
                tgt.withUnsafeBufferPointer { tb in
                    for (r, m) in range.enumerated() {
                        for t in 0..<st { f[t] = Double(y[r * st + t]) }
                        match.load(UnsafeBufferPointer(rebasing: tb[(m * st)..<((m + 1) * st)]))
                        errors.buffer[m] = f.withUnsafeBufferPointer { match.evaluate($0.baseAddress!).cost }
                    }
                }
                return
            }
            for (r, m) in range.enumerated() {
                var e = 0.0
                for t in 0..<st { let d = Double(y[r * st + t]) - tgt[m * st + t]; e += d * d }
                errors.buffer[m] = e
            }
        }
        return NMSE(errors: errors.array, powers: powers)
    }

    /// Σ‖Ĥ‖² / Σ‖H‖² over the set (H: the full channels).
    func energyRatio<N: NeuralField>(of net: N, threads: Int, chunk: Int = 256) -> Double {
        let energies = SharedBuffer<Double>(count: positions.count)
        let st = stride, pos = positions
        Parallel.forEachChunk(count: positions.count, width: threads, minChunk: chunk) { range in
            var y = [N.Scalar](repeating: 0, count: range.count * st)
            pos[range].withUnsafeBufferPointer { p in
                y.withUnsafeMutableBufferPointer { net.predict(p, into: $0.baseAddress!) }
            }
            for (r, m) in range.enumerated() {
                var e = 0.0
                for t in 0..<st { let v = Double(y[r * st + t]); e += v * v }
                energies.buffer[m] = e
            }
        }
        return energies.array.reduce(0, +) / max(powers.reduce(0, +), .leastNormalMagnitude)
    }
}
