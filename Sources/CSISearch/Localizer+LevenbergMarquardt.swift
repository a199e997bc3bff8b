import CSIChannel
import CSINumerics
import Foundation

extension Localizer {
    /// Number of real parameters of the refinement: the searched coordinates plus the nuisance ones.
    var parameterCount: Int { region.dimension + NuisanceMatch.degrees(configuration.nuisance) }

    /// Levenberg–Marquardt on the real-stacked residual r = H − α·D(τ)·f(x) over (x, α, τ) (§16.3).
    /// The nuisance starts at its closed-form optimum for the starting point; the timing offset is
    /// parameterised as t = τ·max|ω| so that all columns of J have comparable scale.
    func levenbergMarquardt(from start: Point3, _ s: inout LocalizerScratch) -> RefinementResult {
        levenbergMarquardt(from: start, using: refiner, &s)
    }

    /// The same on the model `evaluated` (the localizer's `refiner`, or its full model for the polish), for at most
    /// `iterationCap` iterations (default `maxIterations`); from `state` (a run that stopped at its cap on the same
    /// model and frame) instead of `start` when given: its parameters, linearisation and damping, so nothing is
    /// recomputed. A run that stops at its cap returns its state (`RefinementResult.resume`).
    func levenbergMarquardt(
        from start: Point3, using evaluated: any ChannelModel, iterationCap: Int? = nil,
        resuming state: LevenbergMarquardtState? = nil, _ s: inout LocalizerScratch
    ) -> RefinementResult {
        let d = region.dimension, n = parameterCount
        var jac = 0, vals = 0
        var p = [Double](repeating: 0, count: n)
        let tauScale = s.match.omegaScale
        var lin: (cost: Double, normal: [Double], gradient: [Double])
        var mu = 1e-4
        var iterations = 0, converged = false
        if let state, state.parameters.count == n, state.normal.count == n * n, state.gradient.count == n {
            p = state.parameters; lin = (state.cost, state.normal, state.gradient); mu = state.damping
            iterations = state.iterations
        } else {
            // Starting nuisance from the closed form.
            for c in 0..<d { p[c] = start[c] }
            if n > d {
                evaluateValue(at: start, using: evaluated, &s); vals += 1
                let fit = s.value.withUnsafeBufferPointer { s.match.evaluate($0.baseAddress!) }
                p[d] = fit.alpha.re; p[d + 1] = fit.alpha.im
                if n > d + 2 { p[d + 2] = fit.tau * tauScale }
            }
            lin = linearize(p, tauScale: tauScale, using: evaluated, &s); jac += 1
        }
        let cap = min(iterationCap ?? configuration.maxIterations, configuration.maxIterations)
        while iterations < cap {
            iterations += 1
            var accepted = false
            while !accepted {
                var a = lin.normal
                for i in 0..<n { a[i * n + i] += mu * max(lin.normal[i * n + i], 1e-300) }
                guard let step = Cholesky.solve(a, lin.gradient, n: n) else {
                    mu *= 10; if mu > 1e12 { break }; continue
                }
                // Stop without evaluating a step that changes nothing measurable: shorter than the absolute
                // tolerance, or below 1 % of a standard deviation of the estimate (Mahalanobis norm with
                // σ̂² = residual/(m − n)) — with noise, GN converges only linearly and further steps are moot.
                var length = 0.0, quad = 0.0
                for c in 0..<d { length += step[c] * step[c] }
                for i in 0..<n { for j in 0..<n { quad += step[i] * lin.normal[i * n + j] * step[j] } }
                let sigma2 = lin.cost / Double(max(model.valuesPerChannel - n, 1))
                if length.squareRoot() < configuration.stepTolerance
                    || quad < configuration.relativeStepTolerance * configuration.relativeStepTolerance * sigma2
                {
                    converged = true; accepted = true; break
                }
                var trial = p
                for i in 0..<n { trial[i] += step[i] }
                let clamped = region.clamped(position(trial), margin: wavelength)
                for c in 0..<d { trial[c] = clamped[c] }
                jac += 1
                let next = linearize(trial, tauScale: tauScale, using: evaluated, &s)
                if next.cost <= lin.cost {
                    var moved = 0.0
                    for c in 0..<d { moved += (trial[c] - p[c]) * (trial[c] - p[c]) }
                    let decrease = lin.cost - next.cost
                    p = trial; lin = next; accepted = true
                    mu = max(mu / 10, 1e-12)
                    if moved.squareRoot() < configuration.stepTolerance || decrease <= 1e-15 * s.match.energy {
                        converged = true
                    }
                } else {
                    mu *= 10
                    if mu > 1e12 { break }
                }
            }
            // A step that cannot lower the cost even at the largest damping means we sit at the floor.
            if !accepted { converged = true }
            if converged { break }
        }
        // Covariance: σ̂² (JᵀJ)⁻¹ with σ̂² = residual / (2 N_a N_s − n) per real component.
        let m = model.valuesPerChannel
        var covariance: PositionCovariance? = nil
        if m > n, let inv = Cholesky.inverse(lin.normal, n: n) {
            let sigma2 = lin.cost / Double(m - n)
            var block = [Double](repeating: 0, count: d * d)
            for i in 0..<d { for j in 0..<d { block[i * d + j] = sigma2 * inv[i * n + j] } }
            covariance = PositionCovariance(dimension: d, matrix: block)
        }
        var nuisance = NuisanceEstimate()
        if n > d {
            nuisance.gain = (p[d] * p[d] + p[d + 1] * p[d + 1]).squareRoot()
            nuisance.phase = atan2(p[d + 1], p[d])
        }
        if n > d + 2 { nuisance.timingOffset = p[d + 2] / tauScale }
        var predicted: Double? = nil
        if let step = Cholesky.solve(lin.normal, lin.gradient, n: n) {
            var drop = 0.0
            for i in 0..<n { drop += step[i] * lin.gradient[i] }
            if drop.isFinite { predicted = max(0, lin.cost - drop) }
        }
        let stoppedAtCap = !converged && iterations == cap && cap < configuration.maxIterations
        return RefinementResult(
            position: position(p), cost: lin.cost, nuisance: nuisance, covariance: covariance,
            iterations: iterations, converged: converged, valueEvaluations: vals,
            jacobianEvaluations: jac, predictedCost: predicted,
            resume: stoppedAtCap
                ? LevenbergMarquardtState(
                    parameters: p, cost: lin.cost, normal: lin.normal, gradient: lin.gradient, damping: mu,
                    iterations: iterations) : nil)
    }

    /// The position part of a parameter vector (z fixed at the plane's height for 2-D searches).
    func position(_ p: [Double]) -> Point3 {
        Point3(p[0], p[1], region.dimension == 3 ? p[2] : region.lower.z)
    }

    /// Evaluates f and ∂f/∂x of the model `evaluated` at `x` into `s.value` and `s.jacobian` — during the polish
    /// of a composite model, with the network's part of ∂f/∂x reused near where it was taken (`chordJacobian`).
    @discardableResult
    func evaluateJacobian(at x: Point3, using evaluated: any ChannelModel, _ s: inout LocalizerScratch) -> Bool {
        if s.chord.active, configuration.polishJacobianReach > 0, let base = evaluated.scoringBase {
            chordJacobian(at: x, full: evaluated, base: base, &s)
            return true
        }
        s.value.withUnsafeMutableBufferPointer { v in
            s.jacobian.withUnsafeMutableBufferPointer { j in
                evaluated.evaluateWithJacobian(at: x, value: v, jacobian: j)
            }
        }
        return true
    }

    /// Evaluates f of the model `evaluated` at `x` into `s.value`.
    func evaluateValue(at x: Point3, using evaluated: any ChannelModel, _ s: inout LocalizerScratch) {
        withUnsafePointer(to: x) { px in
            s.value.withUnsafeMutableBufferPointer { v in
                evaluated.evaluate(UnsafeBufferPointer(start: px, count: 1), into: v)
            }
        }
    }

    /// f of the composite model `full` at `x` into `s.value`, and ∂f/∂x into `s.jacobian` as the base's exact
    /// Jacobian plus the network's part (J_full − J_base) taken at the anchor, when `x` is within
    /// `polishJacobianReach` of it; else the full Jacobian at `x`, which becomes the anchor when it is finite. Any
    /// refinement the polish runs (Levenberg–Marquardt, Adam, gradient descent) takes its Jacobians here, and so does
    /// the covariance it reports from its last step.
    func chordJacobian(
        at x: Point3, full: any ChannelModel, base: any ChannelModel, _ s: inout LocalizerScratch
    ) {
        let n = 3 * full.valuesPerChannel
        if let anchor = s.chord.anchor, (x - anchor).length <= configuration.polishJacobianReach * wavelength {
            evaluateValue(at: x, using: full, &s)
            s.chord.baseValue.withUnsafeMutableBufferPointer { v in
                s.jacobian.withUnsafeMutableBufferPointer { j in base.evaluateWithJacobian(at: x, value: v, jacobian: j)
                }
            }
            for i in 0..<n { s.jacobian[i] += s.chord.residual[i] }
            s.chord.reusedJacobians += 1
            return
        }
        s.value.withUnsafeMutableBufferPointer { v in
            s.jacobian.withUnsafeMutableBufferPointer { j in full.evaluateWithJacobian(at: x, value: v, jacobian: j) }
        }
        s.chord.baseValue.withUnsafeMutableBufferPointer { v in
            s.chord.residual.withUnsafeMutableBufferPointer { j in
                base.evaluateWithJacobian(at: x, value: v, jacobian: j)
            }
        }
        var finite = true
        for i in 0..<n {
            s.chord.residual[i] = s.jacobian[i] - s.chord.residual[i]
            finite = finite && s.chord.residual[i].isFinite
        }
        // A Jacobian that is not a number there (a model undefined at a rejected trial point) is not reused.
        s.chord.anchor = finite ? x : nil
        s.chord.exactJacobians += 1
    }
}
