public import CSIChannel

extension MBINR: NeuralField {
    /// The architecture, as stored in a model file.
    public var architecture: NeuralArchitecture { .mbinr(configuration) }

    /// Ĥ for each position into `output` (2·N_a·N_s values per position).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predict(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutablePointer<Scalar>) {
        let pass = forward(positions, head: head)
        interleave(re: pass.hRe, im: pass.hIm, count: pass.hRe.count, into: output)
    }

    /// Adds `weight`·∂/∂θ Σ‖Ĥ − H‖²_F against `targets` to `gradient`; returns Σ‖Ĥ − H‖²_F.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func accumulateGradient(
        _ positions: UnsafeBufferPointer<Point3>, targets: UnsafePointer<Scalar>, weight: Scalar,
        gradient: UnsafeMutablePointer<Scalar>
    ) -> Double {
        let pass = forward(positions, head: head)
        var gr = pass.hRe, gi = pass.hIm
        var loss = 0.0
        for e in gr.indices {
            let dr = pass.hRe[e] - targets[2 * e], di = pass.hIm[e] - targets[2 * e + 1]
            loss += Double(dr) * Double(dr) + Double(di) * Double(di)
            gr[e] = 2 * weight * dr; gi[e] = 2 * weight * di
        }
        let g = headBackward(pass, gradRe: gr, gradIm: gi, head: head)
        branchBackward(pass, g, positions: positions, grad: gradient)
        return loss
    }

    /// Ĥ(x) into `value` and ∂Ĥ/∂x, ∂Ĥ/∂y, ∂Ĥ/∂z into three blocks of `jacobian` (exact, forward mode).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predictWithJacobian(
        at position: Point3, value: UnsafeMutablePointer<Scalar>, jacobian: UnsafeMutablePointer<Scalar>
    ) {
        [position].withUnsafeBufferPointer { p in
            let pass = forward(p, head: head, tangents: true)
            let per = pass.hRe.count
            interleave(re: pass.hRe, im: pass.hIm, count: per, into: value)
            let t = outputTangents(pass, positions: p, head: head)
            let nd = configuration.geometry.inputDimensions
            for c in 0..<3 {
                if c < nd {
                    interleave(re: t.re, im: t.im, offset: c * per, count: per, into: jacobian + 2 * c * per)
                } else {
                    (jacobian + 2 * c * per).update(repeating: 0, count: 2 * per)
                }
            }
        }
    }

    /// Ĥ at antennas and/or subcarriers other than the training ones (extrapolation): Ψ_a and Ψ_f are
    /// closed-form in the antenna position and the frequency (docs/method.md §12). Antenna positions are projected
    /// on the training array's basis (offsets off that line/plane are ignored). Output: 2·N_a'·N_s' per position.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predict(_ positions: [Point3], antennas: [Point3]? = nil, frequencies: [Double]? = nil) -> [Scalar] {
        let h = HeadGeometry(geometry: configuration.geometry, antennas: antennas, frequencies: frequencies)
        let per = h.antennaCount * h.subcarrierCount
        var out = [Scalar](repeating: 0, count: positions.count * 2 * per)
        let chunk = 256
        var start = 0
        while start < positions.count {
            let end = min(positions.count, start + chunk)
            let pass = positions[start..<end].withUnsafeBufferPointer { forward($0, head: h) }
            out.withUnsafeMutableBufferPointer {
                interleave(re: pass.hRe, im: pass.hIm, count: pass.hRe.count, into: $0.baseAddress! + 2 * start * per)
            }
            start = end
        }
        return out
    }
}
