import CSINumerics
import Numerics

extension ChannelSimulator {
    /// Exact H(x) and ∂H/∂x in closed form. For one term T = Γ g / d · e^{−j k_f d}:
    ///   ∂T/∂x = Γ e^{−j k_f d} / d · (∇g − g n / d − j k_f g n),   n = (x − a)/d,  k_f = 2π f / c.
    /// A path's existence is piecewise constant in x, so it contributes no derivative. Diffracted paths: see
    /// `addDiffraction(at:value:jacobian:)`.
    public func evaluateWithJacobian(
        at x: Point3, value: UnsafeMutableBufferPointer<Double>,
        jacobian: UnsafeMutableBufferPointer<Double>
    ) {
        let na = antennaCount, ns = subcarrierCount, stride = valuesPerChannel
        let (v, jac) = zeroedJacobianOutputs(value: value, jacobian: jacobian)
        let planes = scene.planes
        let losBlocked = scene.isLineOfSightBlocked(at: x)
        let pattern = scene.array.pattern
        let boresight: Point3
        if case .cosine(_, let b) = pattern { boresight = b } else { boresight = .zero }
        for path in paths {
            if path.order == 0 && losBlocked { continue }
            let gamma = path.gain
            let lb = path.linear.apply(boresight)
            for j in 0..<na where path.reaches(x, antenna: j, planes: planes, edges: scene.edges) {
                let delta = x - path.images[j]
                let d = delta.length
                let n = delta / d
                let (g, grad) = pattern.gainAndGradient(u: path.linear.applyTransposed(n), lb: lb, n: n, d: d)
                if g == 0 && grad == .zero { continue }
                let realPart = grad - n * (g / d) // multiplies e^{jφ}Γ/d
                for k in 0..<ns {
                    let kf = 2 * Double.pi * frequencies[k] / speedOfLight
                    let (sn, cs) = sinCos(-kf * d)
                    // P = Γ e^{jφ} / d
                    let pr = (gamma.real * cs - gamma.imaginary * sn) / d
                    let pi = (gamma.real * sn + gamma.imaginary * cs) / d
                    let idx = 2 * (j * ns + k)
                    v[idx] += g * pr
                    v[idx + 1] += g * pi
                    // ∂T = P · (realPart − j kf g n)
                    for c in 0..<3 {
                        let a = realPart[c], b = -kf * g * n[c]
                        jac[c * stride + idx] += pr * a - pi * b
                        jac[c * stride + idx + 1] += pr * b + pi * a
                    }
                }
            }
        }
        if !diffractedPaths.isEmpty { addDiffraction(at: x, value: v, jacobian: jac) }
    }
}
