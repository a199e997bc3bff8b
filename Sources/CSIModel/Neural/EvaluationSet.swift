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

    /// NMSE of the network's predictions against the targets, normalised by the full-channel powers.
    @_specialize(where N == MBINR<Float>)
    @_specialize(where N == FieldMLP<Float>)
    func nmse<N: NeuralField>(of net: N, threads: Int, chunk: Int = 256) -> NMSE {
        let errors = SharedBuffer<Double>(count: positions.count)
        let st = stride, pos = positions, tgt = targets
        Parallel.forEachChunk(count: positions.count, width: threads, minChunk: chunk) { range in
            var y = [N.Scalar](repeating: 0, count: range.count * st)
            pos[range].withUnsafeBufferPointer { p in y.withUnsafeMutableBufferPointer { net.predict(p, into: $0.baseAddress!) } }
            for (r, m) in range.enumerated() {
                var e = 0.0
                for t in 0..<st { let d = Double(y[r * st + t]) - tgt[m * st + t]; e += d * d }
                errors.buffer[m] = e
            }
        }
        return NMSE(errors: errors.array, powers: powers)
    }
}
