/// A constant-velocity Kalman filter in d = 2 or 3 dimensions (state: position then velocity, n = 2d).
///
/// Process model: white-noise acceleration of spectral density `q` (m²/s³) on each axis, discretized exactly
/// (continuous white-noise acceleration, Bar-Shalom et al. §6.2.2):
/// `F = [[I, Δt I], [0, I]]`, `Q = q [[Δt³/3 I, Δt²/2 I], [Δt²/2 I, Δt I]]`. Predicting Δt₁ then Δt₂ equals
/// predicting Δt₁ + Δt₂, so a track can be held at its last update and predicted to any later time.
/// Measurement: the position, `H = [I 0]`, with a full d×d covariance `R`. The covariance update uses the
/// Joseph form, which stays symmetric and positive semi-definite in floating point.
public struct ConstantVelocityFilter: Sendable, Equatable {
    /// 2 or 3.
    public let dimension: Int
    /// `[p₀ … p_{d−1}, v₀ … v_{d−1}]`.
    private(set) var state: [Double]
    /// n × n, row-major.
    public private(set) var covariance: [Double]

    var n: Int { 2 * dimension }

    /// A filter at `position` with covariance `positionCovariance` (d×d), velocity 0 ± `speedSigma` per axis,
    /// position and velocity uncorrelated.
    init(position: [Double], positionCovariance: [Double], speedSigma: Double) {
        let d = position.count
        precondition(d == 2 || d == 3, "dimension must be 2 or 3")
        precondition(positionCovariance.count == d * d)
        dimension = d
        state = position + [Double](repeating: 0, count: d)
        covariance = [Double](repeating: 0, count: 4 * d * d)
        let n = 2 * d
        for i in 0..<d {
            for j in 0..<d { covariance[i * n + j] = positionCovariance[i * d + j] }
            covariance[(d + i) * n + d + i] = speedSigma * speedSigma
        }
    }

    /// A filter with an explicit state and covariance (tests, restoring).
    init(state: [Double], covariance: [Double]) {
        let d = state.count / 2
        precondition((d == 2 || d == 3) && state.count == 2 * d && covariance.count == 4 * d * d)
        dimension = d
        self.state = state
        self.covariance = covariance
    }

    /// Filtered position, one entry per dimension, metres.
    public var position: [Double] { Array(state[0..<dimension]) }
    /// Filtered velocity, one entry per dimension, m/s.
    public var velocity: [Double] { Array(state[dimension..<n]) }
    /// The d×d position block of the covariance.
    public var positionCovariance: [Double] { block(row: 0, column: 0) }
    /// The d×d velocity block of the covariance.
    public var velocityCovariance: [Double] { block(row: dimension, column: dimension) }

    private func block(row r: Int, column c: Int) -> [Double] {
        var out = [Double](repeating: 0, count: dimension * dimension)
        for i in 0..<dimension { for j in 0..<dimension { out[i * dimension + j] = covariance[(r + i) * n + c + j] } }
        return out
    }

    /// This filter moved `dt` seconds ahead (dt ≥ 0 adds process noise; a negative dt extrapolates the mean back
    /// and adds the process noise of |dt|, a conservative covariance for reporting a late fix).
    func predicted(by dt: Double, accelerationPSD q: Double) -> ConstantVelocityFilter {
        let d = dimension, n = self.n
        var x = state
        for i in 0..<d { x[i] += dt * state[d + i] }
        // F P Fᵀ with P = [[A, B], [Bᵀ, C]]: [[A + Δt(B + Bᵀ) + Δt² C, B + Δt C], [Bᵀ + Δt C, C]].
        var p = covariance
        for i in 0..<d {
            for j in 0..<d {
                let a = covariance[i * n + j], b = covariance[i * n + d + j], bt = covariance[(d + i) * n + j]
                let c = covariance[(d + i) * n + d + j]
                p[i * n + j] = a + dt * (b + bt) + dt * dt * c
                p[i * n + d + j] = b + dt * c
                p[(d + i) * n + j] = bt + dt * c
            }
        }
        let h = abs(dt)
        for i in 0..<d {
            p[i * n + i] += q * h * h * h / 3
            p[i * n + d + i] += q * dt * h / 2
            p[(d + i) * n + i] += q * dt * h / 2
            p[(d + i) * n + d + i] += q * h
        }
        var out = self
        out.state = x
        out.covariance = p
        return out
    }

    /// Innovation `ν = z − p`, its covariance `S = P_pp + R` and the normalized innovation squared `νᵀ S⁻¹ ν`
    /// (`nil` when S is not positive definite).
    func innovation(
        measurement z: [Double], covariance r: [Double]
    ) -> (residual: [Double], s: [Double], nis: Double)? {
        let d = dimension
        var s = positionCovariance
        for k in 0..<(d * d) { s[k] += r[k] }
        let residual = (0..<d).map { z[$0] - state[$0] }
        guard let sInv = SmallMatrix.inverseSPD(s, d) else { return nil }
        var nis = 0.0
        for i in 0..<d { for j in 0..<d { nis += residual[i] * sInv[i * d + j] * residual[j] } }
        return (residual, s, nis)
    }

    /// The filter updated with position `z` of covariance `r` (d×d). Returns `nil` when the innovation
    /// covariance is not positive definite (the caller keeps the old state).
    public func updated(measurement z: [Double], covariance r: [Double]) -> ConstantVelocityFilter? {
        let d = dimension, n = self.n
        guard let (residual, s, _) = innovation(measurement: z, covariance: r),
            let sInv = SmallMatrix.inverseSPD(s, d)
        else { return nil }
        // K = P Hᵀ S⁻¹: the first d columns of P times S⁻¹ (n × d).
        var k = [Double](repeating: 0, count: n * d)
        for i in 0..<n {
            for j in 0..<d {
                var sum = 0.0
                for m in 0..<d { sum += covariance[i * n + m] * sInv[m * d + j] }
                k[i * d + j] = sum
            }
        }
        var x = state
        for i in 0..<n { for j in 0..<d { x[i] += k[i * d + j] * residual[j] } }
        // Joseph form: (I − K H) P (I − K H)ᵀ + K R Kᵀ.
        var ikh = SmallMatrix.identity(n)
        for i in 0..<n { for j in 0..<d { ikh[i * n + j] -= k[i * d + j] } }
        var p = SmallMatrix.multiply(
            SmallMatrix.multiply(ikh, covariance, n, n, n), SmallMatrix.transpose(ikh, n, n), n, n, n)
        let krk = SmallMatrix.multiply(SmallMatrix.multiply(k, r, n, d, d), SmallMatrix.transpose(k, n, d), n, d, n)
        for i in 0..<(n * n) { p[i] += krk[i] }
        SmallMatrix.symmetrize(&p, n)
        var out = self
        out.state = x
        out.covariance = p
        return out
    }
}

/// Dense row-major helpers for the filter's ≤ 6 × 6 matrices.
enum SmallMatrix {
    static func identity(_ n: Int) -> [Double] {
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n { m[i * n + i] = 1 }
        return m
    }

    /// (r × k) · (k × c).
    static func multiply(_ a: [Double], _ b: [Double], _ r: Int, _ k: Int, _ c: Int) -> [Double] {
        var out = [Double](repeating: 0, count: r * c)
        for i in 0..<r {
            for m in 0..<k { let aim = a[i * k + m]; for j in 0..<c { out[i * c + j] += aim * b[m * c + j] } }
        }
        return out
    }

    static func transpose(_ a: [Double], _ r: Int, _ c: Int) -> [Double] {
        var out = [Double](repeating: 0, count: r * c)
        for i in 0..<r { for j in 0..<c { out[j * r + i] = a[i * c + j] } }
        return out
    }

    static func symmetrize(_ a: inout [Double], _ n: Int) {
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) {
                let m = (a[i * n + j] + a[j * n + i]) / 2; a[i * n + j] = m; a[j * n + i] = m
            }
        }
    }

    /// Inverse of a symmetric positive-definite n × n matrix by Cholesky; `nil` when it is not (or not finite).
    static func inverseSPD(_ a: [Double], _ n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = (a[i * n + j] + a[j * n + i]) / 2
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        // L⁻¹ (lower triangular), then A⁻¹ = L⁻ᵀ L⁻¹.
        var li = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            li[i * n + i] = 1 / l[i * n + i]
            for j in 0..<i {
                var sum = 0.0
                for k in j..<i { sum -= l[i * n + k] * li[k * n + j] }
                li[i * n + j] = sum / l[i * n + i]
            }
        }
        var inv = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0; for k in max(i, j)..<n { s += li[k * n + i] * li[k * n + j] }; inv[i * n + j] = s
            }
        }
        guard inv.allSatisfy(\.isFinite) else { return nil }
        return inv
    }
}
