/// The span cost's K × K complex linear algebra (`Localizer.spanCost`) on raw interleaved (re, im) storage: the
/// matrices are tiny (K ≤ 8), so array accessors' checks would cost more than the arithmetic.
enum SpanAlgebra {
    /// Cholesky G + εI = L Lᴴ (lower, row-major K × K complex) from the upper triangle of `gram`; `inverse[i]` =
    /// 1/L[i][i]. False when a pivot is not positive (or not a number).
    static func factor(
        gram: UnsafePointer<Double>, epsilon eps: Double, k: Int, l: UnsafeMutablePointer<Double>,
        inverse: UnsafeMutablePointer<Double>
    ) -> Bool {
        for i in 0..<k {
            for j in 0...i {
                // G[i][j] = conj(G[j][i]) from the upper triangle
                var re = gram[2 * (j * k + i)], im = -gram[2 * (j * k + i) + 1]
                if i == j { re += eps; im = 0 }
                for m in 0..<j {
                    // − L[i][m] · conj(L[j][m])
                    let ar = l[2 * (i * k + m)], ai = l[2 * (i * k + m) + 1]
                    let br = l[2 * (j * k + m)], bi = l[2 * (j * k + m) + 1]
                    re -= ar * br + ai * bi; im -= ai * br - ar * bi
                }
                if i == j {
                    guard re > 0 else { return false }
                    let d = re.squareRoot()
                    l[2 * (i * k + i)] = d; l[2 * (i * k + i) + 1] = 0
                    inverse[i] = 1 / d
                } else {
                    let r = inverse[j]
                    l[2 * (i * k + j)] = re * r; l[2 * (i * k + j) + 1] = im * r
                }
            }
        }
        return true
    }

    /// y = L⁻¹w (forward substitution) into `y`; returns ‖y‖².
    static func forward(
        _ w: UnsafePointer<Double>, l: UnsafePointer<Double>, inverse: UnsafePointer<Double>, k: Int,
        into y: UnsafeMutablePointer<Double>
    ) -> Double {
        var q2 = 0.0
        for p in 0..<k {
            var re = w[2 * p], im = w[2 * p + 1]
            for q in 0..<p {
                let lr = l[2 * (p * k + q)], li = l[2 * (p * k + q) + 1]
                let yr = y[2 * q], yi = y[2 * q + 1]
                re -= lr * yr - li * yi; im -= lr * yi + li * yr
            }
            let yr = re * inverse[p], yi = im * inverse[p]
            y[2 * p] = yr; y[2 * p + 1] = yi
            q2 += yr * yr + yi * yi
        }
        return q2
    }

    /// c = L⁻ᴴy (back substitution) into `c`; returns ‖c‖².
    static func backward(
        _ y: UnsafePointer<Double>, l: UnsafePointer<Double>, inverse: UnsafePointer<Double>, k: Int,
        into c: UnsafeMutablePointer<Double>
    ) -> Double {
        var norm = 0.0
        for p in stride(from: k - 1, through: 0, by: -1) {
            var re = y[2 * p], im = y[2 * p + 1]
            for q in (p + 1)..<k {
                // − conj(L[q][p]) · c_q
                let lr = l[2 * (q * k + p)], li = l[2 * (q * k + p) + 1]
                let cr = c[2 * q], ci = c[2 * q + 1]
                re -= lr * cr + li * ci; im -= lr * ci - li * cr
            }
            let cr = re * inverse[p], ci = im * inverse[p]
            c[2 * p] = cr; c[2 * p + 1] = ci
            norm += cr * cr + ci * ci
        }
        return norm
    }
}
