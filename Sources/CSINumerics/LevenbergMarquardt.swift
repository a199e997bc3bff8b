/// A Levenberg–Marquardt minimiser of ½‖r(θ)‖² for problems that can form their own normal equations
/// (JᵀJ, Jᵀr) — the caller streams over data in chunks, so the Jacobian never has to be held whole.
///
/// Damping is regularised: (JᵀJ + λ·(diag JᵀJ + ε·mean diag)) δ = −Jᵀr. Plain diagonal scaling leaves the
/// system singular when the model has gauge freedoms (e.g. a rotation about a linear array's own axis), and a
/// singular solve would silently reject every step and stop the fit early.
public struct LevenbergMarquardt {
    /// Stopping and damping settings of a fit.
    public struct Options: Sendable {
        /// Maximum number of accepted or rejected steps before the fit stops.
        public var maxIterations = 30
        var initialDamping = 1e-3
        /// Relative cost decrease of an accepted step below which the fit is considered converged.
        package var tolerance = 1e-9
        var diagonalFloor = 1e-6
        /// Creates the default settings.
        public init() {}
    }

    /// How a fit went.
    public struct Report: Sendable {
        var initialCost: Double
        package var finalCost: Double
        /// Number of iterations run, until convergence or `Options.maxIterations`.
        public var iterations: Int
        var evaluations: Int
    }

    /// Normal equations at θ: `cost` = ½‖r‖², `jtj` (n×n, upper triangle at least), `jtr`.
    public typealias Normal = (cost: Double, jtj: [Double], jtr: [Double])

    /// The settings every `minimize` call uses.
    public var options: Options
    /// Creates a solver with `options`.
    public init(options: Options = Options()) { self.options = options }

    /// Minimises from `theta`. `normal(θ)` returns the normal equations; `cost(θ)` only the cost (cheaper);
    /// `apply(θ, δ)` returns the updated parameters (so rotations and other manifolds can be handled by
    /// the caller). Returns the best parameters found and a report.
    public func minimize(
        _ theta: [Double], normal: ([Double]) -> Normal, cost: ([Double]) -> Double,
        apply: ([Double], [Double]) -> [Double]
    ) -> (theta: [Double], report: Report) {
        var theta = theta
        var current = normal(theta)
        var evaluations = 1
        let n = theta.count
        var lambda = options.initialDamping
        let initial = current.cost
        var iterations = 0
        outer: while iterations < options.maxIterations {
            iterations += 1
            var meanDiag = 0.0
            for i in 0..<n { meanDiag += current.jtj[i * n + i] }
            meanDiag = max(meanDiag / Double(max(n, 1)), 1e-300)
            var rhs = current.jtr
            for i in 0..<n { rhs[i] = -rhs[i] }
            while true {
                var a = current.jtj
                for i in 0..<n { a[i * n + i] += lambda * (current.jtj[i * n + i] + options.diagonalFloor * meanDiag) }
                if let step = Cholesky.solve(a, rhs, n: n) {
                    let candidate = apply(theta, step)
                    let c = cost(candidate)
                    evaluations += 1
                    if c.isFinite && c < current.cost {
                        let decrease = (current.cost - c) / max(current.cost, 1e-300)
                        theta = candidate
                        current = normal(theta)
                        evaluations += 1
                        lambda = max(lambda / 3, 1e-12)
                        if decrease < options.tolerance { break outer }
                        continue outer
                    }
                }
                lambda *= 4
                if lambda > 1e12 { break outer }
            }
        }
        return (
            theta,
            Report(initialCost: initial, finalCost: current.cost, iterations: iterations, evaluations: evaluations)
        )
    }
}
