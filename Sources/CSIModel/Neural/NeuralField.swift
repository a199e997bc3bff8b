public import CSIChannel

/// A trainable location-to-channel network: what the trainer, the gradient checks and the `ChannelModel`
/// adapter need. Outputs are in the network's units (the scaled channels of `TrainingData`), interleaved
/// complex, antenna-major — the `ChannelModel` layout — with 2·N_a·N_s scalars per position.
public protocol NeuralField: Sendable {
    associatedtype Scalar: NeuralScalar
    /// All trainable parameters (flat, named).
    var parameters: ParameterSet<Scalar> { get set }
    /// Antennas, subcarriers, phase origin and input normalisation.
    var geometry: NeuralGeometry { get }
    /// Architecture + tensors: what a model file stores to rebuild this network.
    var architecture: NeuralArchitecture { get }

    /// Ĥ for each position into `output` (2·N_a·N_s per position).
    func predict(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutablePointer<Scalar>)

    /// Adds `weight`·∂/∂θ Σ_b ‖Ĥ(x_b) − H_b‖²_F to `gradient` (layout of `parameters.values`) and returns
    /// Σ_b ‖Ĥ(x_b) − H_b‖²_F. `targets` has the output layout.
    func accumulateGradient(
        _ positions: UnsafeBufferPointer<Point3>, targets: UnsafePointer<Scalar>, weight: Scalar,
        gradient: UnsafeMutablePointer<Scalar>
    ) -> Double

    /// Ĥ(x) into `value` and ∂Ĥ/∂x, ∂Ĥ/∂y, ∂Ĥ/∂z into three consecutive blocks of `jacobian` (exact, forward
    /// mode). Axes the network does not see (z for a 2-D network) get zeros.
    func predictWithJacobian(
        at position: Point3, value: UnsafeMutablePointer<Scalar>, jacobian: UnsafeMutablePointer<Scalar>)
}

extension NeuralField {
    /// 2·N_a·N_s.
    public var valuesPerChannel: Int { 2 * geometry.antennas.count * geometry.frequencies.count }

    /// Convenience: Ĥ at `positions` as a new array.
    public func predict(_ positions: [Point3]) -> [Scalar] {
        var out = [Scalar](repeating: 0, count: positions.count * valuesPerChannel)
        positions.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { predict(p, into: $0.baseAddress!) }
        }
        return out
    }

    /// Convenience: Σ‖Ĥ − H‖² and its gradient (mean over the batch when `weight` = 1/B).
    func lossAndGradient(
        _ positions: [Point3], targets: [Scalar], weight: Scalar = 1
    ) -> (loss: Double, gradient: [Scalar]) {
        var g = [Scalar](repeating: 0, count: parameters.count)
        let l = positions.withUnsafeBufferPointer { p in
            targets.withUnsafeBufferPointer { t in
                g.withUnsafeMutableBufferPointer {
                    accumulateGradient(p, targets: t.baseAddress!, weight: weight, gradient: $0.baseAddress!)
                }
            }
        }
        return (l, g)
    }

    /// Convenience: value and Jacobian blocks at one position.
    public func predictWithJacobian(at x: Point3) -> (value: [Scalar], jacobian: [Scalar]) {
        var v = [Scalar](repeating: 0, count: valuesPerChannel), j = [Scalar](repeating: 0, count: 3 * valuesPerChannel)
        v.withUnsafeMutableBufferPointer { vb in
            j.withUnsafeMutableBufferPointer {
                predictWithJacobian(at: x, value: vb.baseAddress!, jacobian: $0.baseAddress!)
            }
        }
        return (v, j)
    }
}

/// Writes split (re, im) blocks of batch × N_a × N_s as interleaved complex.
func interleave<T: NeuralScalar>(re: [T], im: [T], offset: Int = 0, count: Int, into out: UnsafeMutablePointer<T>) {
    for e in 0..<count { out[2 * e] = re[offset + e]; out[2 * e + 1] = im[offset + e] }
}
