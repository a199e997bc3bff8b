/// Dense symmetric positive-definite solves for the small normal equations of Gauss–Newton and
/// Levenberg–Marquardt (tens to a few hundred unknowns).
public enum Cholesky {
    /// Solves A·x = b for symmetric positive-definite A (n×n, row-major; only the upper triangle is read).
    /// Returns nil when A is not numerically positive definite.
    public static func solve(_ a: [Double], _ b: [Double], n: Int) -> [Double]? {
        precondition(a.count >= n * n && b.count >= n)
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[j * n + i] // upper triangle: A[j][i] == A[i][j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i * n + i] = s.squareRoot()
                } else {
                    l[i * n + j] = s / l[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var s = b[i]
            for k in 0..<i { s -= l[i * n + k] * y[k] }
            y[i] = s / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<n { s -= l[k * n + i] * x[k] }
            x[i] = s / l[i * n + i]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }

    /// The inverse of a symmetric positive-definite matrix (for covariances), or nil.
    public static func inverse(_ a: [Double], n: Int) -> [Double]? {
        var inv = [Double](repeating: 0, count: n * n)
        for c in 0..<n {
            var e = [Double](repeating: 0, count: n); e[c] = 1
            guard let col = solve(a, e, n: n) else { return nil }
            for r in 0..<n { inv[r * n + c] = col[r] }
        }
        return inv
    }
}
