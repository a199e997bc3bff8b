import CSINumerics
import Numerics
import Testing

@Suite struct SolverTests {
    @Test func choleskySolvesAKnownSystem() {
        // A = MᵀM + I for a fixed M; check A·x = b by multiplication.
        let n = 5
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                for k in 0..<n { a[i * n + j] += Double((i + 2 * k) % 7 - 3) * Double((j + 2 * k) % 7 - 3) }
            }
        }
        for i in 0..<n { a[i * n + i] += 1 }
        let b = [1.0, -2, 0.5, 3, -1]
        let x = Cholesky.solve(a, b, n: n)!
        for i in 0..<n {
            var s = 0.0
            for j in 0..<n { s += a[i * n + j] * x[j] }
            #expect(abs(s - b[i]) < 1e-10)
        }
        #expect(Cholesky.solve([1, 2, 2, 1], [1, 1], n: 2) == nil) // indefinite
    }

    /// Fits y = a·exp(b·t) to exact data from a poor start; LM must reach the true parameters.
    @Test func levenbergMarquardtFitsAnExponential() {
        let ts = (0..<20).map { Double($0) / 10 }
        let ys = ts.map { 2.5 * Double.exp(-1.3 * $0) }
        func residuals(_ p: [Double]) -> [Double] { zip(ts, ys).map { p[0] * Double.exp(p[1] * $0) - $1 } }
        func normal(_ p: [Double]) -> LevenbergMarquardt.Normal {
            let r = residuals(p)
            var jtj = [Double](repeating: 0, count: 4), jtr = [0.0, 0.0]
            for (i, t) in ts.enumerated() {
                let j = [Double.exp(p[1] * t), p[0] * t * Double.exp(p[1] * t)]
                for a in 0..<2 { jtr[a] += j[a] * r[i]; for b in 0..<2 { jtj[a * 2 + b] += j[a] * j[b] } }
            }
            return (0.5 * r.reduce(0) { $0 + $1 * $1 }, jtj, jtr)
        }
        let (p, report) = LevenbergMarquardt().minimize(
            [1, 0], normal: normal, cost: { 0.5 * residuals($0).reduce(0) { $0 + $1 * $1 } },
            apply: { zip($0, $1).map { $0 + $1 } })
        #expect(abs(p[0] - 2.5) < 1e-6 && abs(p[1] + 1.3) < 1e-6)
        #expect(report.finalCost < 1e-12)
    }

    /// `Options.tolerance`: the fit stops at the first accepted step that lowers the cost by less than the tolerance
    /// (relative), not before; a looser tolerance therefore stops earlier on a problem whose minimum keeps a residual.
    @Test func levenbergMarquardtStopsAtItsTolerance() {
        // y = a·exp(b·t) + a wobble the model cannot follow: the minimum's cost stays well above zero.
        let ts = (0..<40).map { Double($0) / 10 }
        let ys = ts.map { 2.5 * Double.exp(-1.3 * $0) + 0.05 * Double.sin(7 * $0) }
        func residuals(_ p: [Double]) -> [Double] { zip(ts, ys).map { p[0] * Double.exp(p[1] * $0) - $1 } }
        func cost(_ p: [Double]) -> Double { 0.5 * residuals(p).reduce(0) { $0 + $1 * $1 } }
        func run(tolerance: Double) -> (p: [Double], accepted: [Double]) {
            var accepted: [Double] = [] // the cost at every point the normal equations were formed: start + accepted
            var options = LevenbergMarquardt.Options()
            options.tolerance = tolerance
            options.maxIterations = 200
            let (p, _) = LevenbergMarquardt(options: options).minimize(
                [1, 0],
                normal: { p in
                    let r = residuals(p)
                    accepted.append(0.5 * r.reduce(0) { $0 + $1 * $1 })
                    var jtj = [Double](repeating: 0, count: 4), jtr = [0.0, 0.0]
                    for (i, t) in ts.enumerated() {
                        let j = [Double.exp(p[1] * t), p[0] * t * Double.exp(p[1] * t)]
                        for a in 0..<2 { jtr[a] += j[a] * r[i]; for b in 0..<2 { jtj[a * 2 + b] += j[a] * j[b] } }
                    }
                    return (accepted.last!, jtj, jtr)
                }, cost: cost, apply: { zip($0, $1).map { $0 + $1 } })
            return (p, accepted)
        }
        let tight = run(tolerance: 1e-12), loose = run(tolerance: 1e-2)
        let decreases = { (c: [Double]) in zip(c, c.dropFirst()).map { ($0 - $1) / $0 } }
        let looseSteps = decreases(loose.accepted)
        #expect(looseSteps.count >= 2)
        #expect(looseSteps.dropLast().allSatisfy { $0 >= 1e-2 }, "stopped before a small step: \(looseSteps)")
        #expect(looseSteps.last! < 1e-2, "ran past a small step: \(looseSteps)")
        #expect(loose.accepted.count < tight.accepted.count)
        // Both near the same minimum: the loose fit's last step was small, so it stood close to it.
        #expect(cost(loose.p) <= cost(tight.p) * 1.05)
        #expect(cost(tight.p) > 1e-3)
    }
}
