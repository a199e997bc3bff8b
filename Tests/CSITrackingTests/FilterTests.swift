import Foundation
import Testing

@testable import CSITracking

/// Solves A x = b (n × n, row-major) by Gaussian elimination with partial pivoting; returns A⁻¹ when b is nil.
func solve(_ a: [Double], _ n: Int, _ b: [Double]) -> [Double] {
    let m = b.count / n
    var a = a, b = b
    for col in 0..<n {
        let pivot = (col..<n).max { abs(a[$0 * n + col]) < abs(a[$1 * n + col]) }!
        if pivot != col {
            for j in 0..<n { a.swapAt(col * n + j, pivot * n + j) }
            for j in 0..<m { b.swapAt(col * m + j, pivot * m + j) }
        }
        for row in 0..<n where row != col {
            let f = a[row * n + col] / a[col * n + col]
            if f == 0 { continue }
            for j in 0..<n { a[row * n + j] -= f * a[col * n + j] }
            for j in 0..<m { b[row * m + j] -= f * b[col * m + j] }
        }
    }
    for row in 0..<n { for j in 0..<m { b[row * m + j] /= a[row * n + row] } }
    return b
}

func identity(_ n: Int) -> [Double] { (0..<(n * n)).map { $0 / n == $0 % n ? 1 : 0 } }

@Suite struct FilterTests {
    /// With no process noise and a diffuse velocity prior, the filter is recursive least squares: its state at the
    /// last fix equals the generalized least-squares straight line through every fix (each weighted by its own,
    /// correlated 2×2 covariance), evaluated there, and its covariance equals the inverse normal matrix.
    @Test func zeroProcessNoiseIsBatchLeastSquaresLine() {
        var rng = SystemRandomNumberGenerator()
        let times: [Double] = (0..<25).map { (k: Int) -> Double in Double(k) * 0.1 + (k % 3 == 0 ? 0.013 : 0) } // irregular steps
        var zs: [[Double]] = [], rs: [[Double]] = []
        for (k, t) in times.enumerated() {
            let sx: Double = 0.01 + 0.002 * Double(k % 4)
            let sy: Double = 0.02 - 0.003 * Double(k % 3)
            let rho: Double = 0.6 * sin(Double(k))
            let c: Double = rho * sx * sy
            rs.append([sx * sx, c, c, sy * sy])
            let ex: Double = Double.random(in: -0.02...0.02, using: &rng)
            let ey: Double = Double.random(in: -0.02...0.02, using: &rng)
            zs.append([1 + 0.8 * t + ex, -2 + 0.3 * t + ey])
        }
        var filter = ConstantVelocityFilter(position: zs[0], positionCovariance: rs[0], speedSigma: 1e3)
        for k in 1..<times.count {
            filter = filter.predicted(by: times[k] - times[k - 1], accelerationPSD: 0)
            filter = filter.updated(measurement: zs[k], covariance: rs[k])!
        }
        // Independent GLS: θ = (px, py, vx, vy) at the last time, z_k = H_k θ + e_k, H_k = [I, (t_k − t_N) I].
        let tN = times.last!
        var normal = [Double](repeating: 0, count: 16), rhs = [Double](repeating: 0, count: 4)
        for k in times.indices {
            let w = solve(rs[k], 2, identity(2)) // R_k⁻¹
            let dt = times[k] - tN
            let h: [Double] = [1, 0, dt, 0, 0, 1, 0, dt] // 2 × 4
            for i in 0..<4 {
                for j in 0..<4 {
                    var s = 0.0
                    for a in 0..<2 {
                        for b in 0..<2 { let hw: Double = h[a * 4 + i] * w[a * 2 + b]; s += hw * h[b * 4 + j] }
                    }
                    normal[i * 4 + j] += s
                }
                var s = 0.0
                for a in 0..<2 { for b in 0..<2 { let hw: Double = h[a * 4 + i] * w[a * 2 + b]; s += hw * zs[k][b] } }
                rhs[i] += s
            }
        }
        let theta = solve(normal, 4, rhs)
        let cov = solve(normal, 4, identity(4))
        for i in 0..<4 {
            #expect(abs(filter.state[i] - theta[i]) < 1e-8, "state \(i): \(filter.state[i]) vs \(theta[i])")
            for j in 0..<4 {
                let scale = (cov[i * 4 + i] * cov[j * 4 + j]).squareRoot()
                #expect(abs(filter.covariance[i * 4 + j] - cov[i * 4 + j]) < 1e-6 * scale)
            }
        }
    }

    /// With process noise, the filter's estimate at the last fix equals Gaussian-process regression with the
    /// integrated-Wiener kernel (the constant-velocity model written as a prior over whole paths), computed here
    /// by one dense solve over all fixes: Cov(p(s), p(t)) = r₀ + σ_v² s t + q (s²t/2 − s³/6), Cov(v(t), p(s)) =
    /// σ_v² s + q s²/2 for s ≤ t.
    @Test func processNoiseMatchesGaussianProcessRegression() {
        let q = 0.7, r0 = 1e-4, sv = 1.5
        let times = [0.0, 0.05, 0.09, 0.2, 0.21, 0.4, 0.45, 0.5, 0.8, 0.85, 0.9, 1.3, 1.31, 1.5]
        let noise = [1e-4, 4e-4, 9e-4, 1e-4, 2e-4, 3e-4, 1e-4, 5e-4, 2e-4, 1e-4, 1e-4, 6e-4, 2e-4, 3e-4]
        let zs: [Double] = times.map { (t: Double) -> Double in
            let quadratic: Double = 0.3 + 1.2 * t - 0.4 * t * t
            return quadratic + 0.01 * sin(17 * t)
        }
        // The filter on axis x; axis y gets the same data (axes are independent with diagonal R).
        var filter = ConstantVelocityFilter(
            position: [zs[0], zs[0]], positionCovariance: [r0, 0, 0, r0], speedSigma: sv)
        for k in 1..<times.count {
            filter = filter.predicted(by: times[k] - times[k - 1], accelerationPSD: q)
            filter = filter.updated(measurement: [zs[k], zs[k]], covariance: [noise[k], 0, 0, noise[k]])!
        }
        func kpp(_ s: Double, _ t: Double) -> Double {
            let (a, b) = (min(s, t), max(s, t))
            let wiener: Double = a * a * b / 2 - a * a * a / 6
            return r0 + sv * sv * a * b + q * wiener
        }
        func kvp(_ t: Double, _ s: Double) -> Double {
            let m: Double = min(s, t)
            let tail: Double = s > t ? q * t * (s - t) : 0
            return sv * sv * s + q * m * m / 2 + tail
        }
        let obs = Array(1..<times.count), n = obs.count, tN = times.last!
        var gram = [Double](repeating: 0, count: n * n)
        for (i, a) in obs.enumerated() {
            for (j, b) in obs.enumerated() { gram[i * n + j] = kpp(times[a], times[b]) + (i == j ? noise[a] : 0) }
        }
        let alpha = solve(gram, n, obs.map { zs[$0] - zs[0] })
        let kp = obs.map { kpp(tN, times[$0]) }, kv = obs.map { kvp(tN, times[$0]) }
        let meanP = zs[0] + zip(kp, alpha).map(*).reduce(0, +)
        let meanV = zip(kv, alpha).map(*).reduce(0, +)
        let varP = kpp(tN, tN) - zip(kp, solve(gram, n, kp)).map(*).reduce(0, +)
        #expect(abs(filter.state[0] - meanP) < 1e-9, "\(filter.state[0]) vs \(meanP)")
        #expect(abs(filter.state[2] - meanV) < 1e-8, "\(filter.state[2]) vs \(meanV)")
        #expect(abs(filter.covariance[0] - varP) < 1e-9 * varP + 1e-15, "\(filter.covariance[0]) vs \(varP)")
        #expect(abs(filter.state[1] - meanP) < 1e-9)
    }

    /// Prediction composes: Δt₁ then Δt₂ equals Δt₁ + Δt₂ (exact discretization), so holding a track at its last
    /// update and predicting to any later fix is consistent.
    @Test func predictionComposes() {
        let f = ConstantVelocityFilter(
            state: [1, 2, 3, 0.5, -0.2, 0.1],
            covariance: (0..<36).map { (i: Int) -> Double in i / 6 == i % 6 ? 0.01 + Double(i) * 1e-4 : 1e-5 })
        let a = f.predicted(by: 0.3, accelerationPSD: 2).predicted(by: 0.45, accelerationPSD: 2)
        let b = f.predicted(by: 0.75, accelerationPSD: 2)
        for i in 0..<6 { #expect(abs(a.state[i] - b.state[i]) < 1e-14) }
        for i in 0..<36 { #expect(abs(a.covariance[i] - b.covariance[i]) < 1e-14) }
    }

    @Test func chiSquareQuantiles() {
        // scipy.stats.chi2.ppf
        #expect(abs(ChiSquare.quantile(0.95, degreesOfFreedom: 1) - 3.841458820694124) < 1e-9)
        #expect(abs(ChiSquare.quantile(0.95, degreesOfFreedom: 3) - 7.814727903251179) < 1e-9)
        #expect(abs(ChiSquare.quantile(0.9999, degreesOfFreedom: 3) - 21.107513466160444) < 1e-9)
        #expect(abs(ChiSquare.quantile(0.9999, degreesOfFreedom: 1) - 15.136705226623606) < 1e-9)
        #expect(abs(ChiSquare.quantile(0.9999, degreesOfFreedom: 2) - 18.420680743952367) < 1e-9)
    }
}
