import CSIChannel
import CSINumerics
import Foundation

extension Localizer {
    /// Gradient descent on the projected cost C(x) = min_{α,τ} ‖H − α D(τ) f(x)‖² (§10.1c, §10.3): Adam
    /// with a decaying learning rate, or plain steps with a backtracking (Armijo) line search. By the
    /// envelope theorem the gradient of the projected cost is that of ‖H − α̂ D(τ̂) f(x)‖² at the optimal
    /// nuisance, so each step costs one channel + Jacobian evaluation (plus values for backtracking).
    func gradientDescent(from start: Point3, adam: Bool, _ s: inout LocalizerScratch) -> RefinementResult {
        gradientDescent(from: start, adam: adam, using: refiner, &s)
    }

    /// The same on the model `evaluated`.
    func gradientDescent(
        from start: Point3, adam: Bool, using evaluated: any ChannelModel, _ s: inout LocalizerScratch
    ) -> RefinementResult {
        let d = region.dimension
        var x = start
        var jac = 0, vals = 0
        var m1 = Point3.zero, m2 = Point3.zero
        let beta1 = 0.9, beta2 = 0.999, eps = 1e-12
        var lr = configuration.adamLearningRateWavelengths * wavelength
        var eta = -1.0
        var (cost, grad, nuisance) = costAndGradient(at: x, using: evaluated, &s); jac += 1
        var best = (x, cost, nuisance)
        for t in 1...max(1, configuration.gradientSteps) {
            if adam {
                m1 = beta1 * m1 + (1 - beta1) * grad
                m2 = beta2 * m2 + (1 - beta2) * grad * grad
                let mh = m1 / (1 - Foundation.pow(beta1, Double(t))), vh = m2 / (1 - Foundation.pow(beta2, Double(t)))
                var step = lr * mh / (vh.squareRoot() + eps)
                if d == 2 { step.z = 0 }
                x = region.clamped(x - step, margin: wavelength)
                lr *= configuration.adamDecay
            } else {
                let g2 = (grad * grad).sum()
                guard g2 > 0 else { break }
                if eta < 0 { eta = wavelength / 50 / g2.squareRoot() }
                var accepted = false
                eta *= 2
                for _ in 0..<30 {
                    let trial = region.clamped(x - eta * grad, margin: wavelength)
                    evaluateValue(at: trial, using: evaluated, &s); vals += 1
                    let c = s.value.withUnsafeBufferPointer { s.match.evaluate($0.baseAddress!).cost }
                    if c <= cost - 1e-4 * eta * g2 { x = trial; accepted = true; break }
                    eta /= 2
                }
                if !accepted { break }
            }
            (cost, grad, nuisance) = costAndGradient(at: x, using: evaluated, &s); jac += 1
            if cost < best.1 { best = (x, cost, nuisance) }
        }
        return RefinementResult(
            position: best.0, cost: best.1, nuisance: best.2, covariance: nil,
            iterations: configuration.gradientSteps, converged: true,
            valueEvaluations: vals, jacobianEvaluations: jac)
    }

    /// Projected cost, its gradient in x (z component 0 for 2-D searches) and the optimal nuisance.
    func costAndGradient(
        at x: Point3, using evaluated: any ChannelModel, _ s: inout LocalizerScratch
    ) -> (Double, Point3, NuisanceEstimate) {
        evaluateJacobian(at: x, using: evaluated, &s)
        let fit = s.value.withUnsafeBufferPointer { s.match.evaluate($0.baseAddress!) }
        let na = model.antennaCount, ns = model.subcarrierCount, m = model.valuesPerChannel
        var g = Point3.zero
        s.value.withUnsafeBufferPointer { vb in
            s.jacobian.withUnsafeBufferPointer { jb in
                s.match.h.withUnsafeBufferPointer { hb in
                    let f = vb.baseAddress!, jf = jb.baseAddress!, h = hb.baseAddress!
                    for k in 0..<ns {
                        let (sn, cs) = sinCos(-s.match.omega[k] * fit.tau)
                        let br = fit.alpha.re * cs - fit.alpha.im * sn, bi = fit.alpha.re * sn + fit.alpha.im * cs
                        for j in 0..<na {
                            let i = 2 * (j * ns + k)
                            let rr = h[i] - (br * f[i] - bi * f[i + 1]), ri = h[i + 1] - (br * f[i + 1] + bi * f[i])
                            for c in 0..<region.dimension {
                                let dr = jf[c * m + i], di = jf[c * m + i + 1]
                                g[c] -= 2 * (rr * (br * dr - bi * di) + ri * (br * di + bi * dr))
                            }
                        }
                    }
                }
            }
        }
        var n = NuisanceEstimate()
        n.gain = (fit.alpha.re * fit.alpha.re + fit.alpha.im * fit.alpha.im).squareRoot()
        n.phase = Foundation.atan2(fit.alpha.im, fit.alpha.re)
        n.timingOffset = fit.tau
        return (fit.cost, g, n)
    }
}
