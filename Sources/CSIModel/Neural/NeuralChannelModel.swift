import CSIChannel
import CSINumerics

/// A trained network as a `ChannelModel` in the dataset's raw units, optionally on top of a base model:
///
///   H(x) = base(x) + Ĥ_θ(x) / scale
///
/// (`scale` = `TrainingData.scale`; with a base this is the residual composite of docs/method.md §16.1 — the
/// network was trained on the targets scale·(H − base)). Localization and `NMSE.evaluate` use it like the
/// simulator. `evaluate` runs Float32 networks in chunks of `chunkSize` on `threads` threads with
/// single-threaded OpenBLAS; `evaluateWithJacobian` is the network's exact forward-mode Jacobian.
/// For Float64 evaluation wrap `network.converted(to: Double.self)`.
struct NeuralChannelModel<Network: NeuralField>: ChannelModel {
    let network: Network
    /// The training data's scale factor (network outputs are divided by it).
    let scale: Double
    let base: (any ChannelModel)?
    var chunkSize = 256
    var threads = Parallel.defaultWidth

    init(network: Network, scale: Double, base: (any ChannelModel)? = nil) {
        self.network = network; self.scale = scale; self.base = base
    }

    var antennaPositions: [Point3] { network.geometry.antennas }
    /// The base model (the hybrid's image sources): the search may rank candidates and refine with it, then
    /// polish with the full model.
    var scoringBase: (any ChannelModel)? { base }
    var frequencies: [Double] { network.geometry.frequencies }

    @_specialize(where Network == MBINR<Float>)
    @_specialize(where Network == FieldMLP<Float>)
    func evaluate(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutableBufferPointer<Double>) {
        let stride = valuesPerChannel
        precondition(output.count >= positions.count * stride, "output buffer too small")
        if let base { base.evaluate(positions, into: output) } else { output.update(repeating: 0) }
        let pos = UncheckedBox(positions), out = UncheckedBox(output)
        let inv = 1 / scale, net = network, chunk = chunkSize
        if threads > 1 { BLAS.setThreads(1) }
        Parallel.forEachChunk(count: positions.count, width: threads, minChunk: chunk) { range in
            var start = range.lowerBound
            var y = [Network.Scalar](repeating: 0, count: min(chunk, range.count) * stride)
            while start < range.upperBound {
                let end = min(range.upperBound, start + chunk)
                y.withUnsafeMutableBufferPointer { yb in
                    net.predict(UnsafeBufferPointer(rebasing: pos.value[start..<end]), into: yb.baseAddress!)
                }
                let o = out.value.baseAddress! + start * stride
                for t in 0..<((end - start) * stride) { o[t] += Double(y[t]) * inv }
                start = end
            }
        }
    }

    @_specialize(where Network == MBINR<Float>)
    @_specialize(where Network == FieldMLP<Float>)
    func evaluateWithJacobian(
        at position: Point3, value: UnsafeMutableBufferPointer<Double>,
        jacobian: UnsafeMutableBufferPointer<Double>
    ) {
        let n = valuesPerChannel
        if let base {
            base.evaluateWithJacobian(at: position, value: value, jacobian: jacobian)
        } else {
            value.update(repeating: 0); jacobian.update(repeating: 0)
        }
        let (v, j) = network.predictWithJacobian(at: position)
        let inv = 1 / scale
        for t in 0..<n { value[t] += Double(v[t]) * inv }
        for t in 0..<(3 * n) { jacobian[t] += Double(j[t]) * inv }
    }
}

/// Wraps the channel model of any (existential) network, e.g. one rebuilt by `NeuralArchitecture.makeNetwork`.
func makeChannelModel(
    network: any NeuralField, scale: Double, base: (any ChannelModel)? = nil
) -> any ChannelModel {
    func open<N: NeuralField>(_ n: N) -> any ChannelModel { NeuralChannelModel(network: n, scale: scale, base: base) }
    return open(network)
}
