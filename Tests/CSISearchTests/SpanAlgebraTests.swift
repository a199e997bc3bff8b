import CSINumerics
import Testing

@testable import CSISearch

/// The span cost's complex Cholesky factor and substitutions against their definitions.
@Suite struct SpanAlgebraTests {
    /// For a random Hermitian positive definite G (K = 1 … 8): L Lᴴ = G + εI entry by entry, y = L⁻¹w solves
    /// L y = w with ‖y‖² = wᴴ(G + εI)⁻¹w, and c = L⁻ᴴy solves Lᴴ c = y; a matrix with a negative pivot is refused.
    @Test(arguments: 1...8)
    func factorAndSubstitutionsSolveTheirSystems(k: Int) {
        var rng = SeededGenerator(seed: UInt64(40 + k))
        // G = AᴴA + I (Hermitian, positive definite), stored in full; the factor reads its upper triangle.
        let a = (0..<(2 * k * k)).map { _ in rng.nextGaussian() }
        var g = [Double](repeating: 0, count: 2 * k * k)
        for i in 0..<k {
            for j in 0..<k {
                var re = i == j ? 1.0 : 0, im = 0.0
                for m in 0..<k {
                    // conj(A[m][i]) · A[m][j]
                    let ar = a[2 * (m * k + i)], ai = a[2 * (m * k + i) + 1]
                    let br = a[2 * (m * k + j)], bi = a[2 * (m * k + j) + 1]
                    re += ar * br + ai * bi; im += ar * bi - ai * br
                }
                g[2 * (i * k + j)] = re; g[2 * (i * k + j) + 1] = im
            }
        }
        let eps = 0.25
        var l = [Double](repeating: .nan, count: 2 * k * k), inverse = [Double](repeating: .nan, count: k)
        // Only the lower triangle of L is written: clear the rest for the product below.
        for i in 0..<k { for j in (i + 1)..<max(i + 1, k) { l[2 * (i * k + j)] = 0; l[2 * (i * k + j) + 1] = 0 } }
        let ok = SpanAlgebra.factor(gram: g, epsilon: eps, k: k, l: &l, inverse: &inverse)
        #expect(ok)
        let scale = g.map(abs).max()!
        for i in 0..<k {
            #expect(abs(inverse[i] * l[2 * (i * k + i)] - 1) < 1e-12 && l[2 * (i * k + i) + 1] == 0)
            for j in 0..<k {
                // (L Lᴴ)[i][j] = Σ_m L[i][m] conj(L[j][m])
                var re = 0.0, im = 0.0
                for m in 0..<k {
                    let ar = l[2 * (i * k + m)], ai = l[2 * (i * k + m) + 1]
                    let br = l[2 * (j * k + m)], bi = l[2 * (j * k + m) + 1]
                    re += ar * br + ai * bi; im += ai * br - ar * bi
                }
                let er = g[2 * (i * k + j)] + (i == j ? eps : 0), ei = g[2 * (i * k + j) + 1]
                #expect(abs(re - er) < 1e-12 * scale && abs(im - ei) < 1e-12 * scale, "(\(i), \(j)) of \(k)")
            }
        }
        let w = (0..<(2 * k)).map { _ in rng.nextGaussian() }
        var y = [Double](repeating: 0, count: 2 * k), c = y
        let q2 = SpanAlgebra.forward(w, l: l, inverse: inverse, k: k, into: &y)
        let norm = SpanAlgebra.backward(y, l: l, inverse: inverse, k: k, into: &c)
        // L y = w
        for i in 0..<k {
            var re = 0.0, im = 0.0
            for m in 0...i {
                let lr = l[2 * (i * k + m)], li = l[2 * (i * k + m) + 1]
                re += lr * y[2 * m] - li * y[2 * m + 1]; im += lr * y[2 * m + 1] + li * y[2 * m]
            }
            #expect(abs(re - w[2 * i]) < 1e-10 && abs(im - w[2 * i + 1]) < 1e-10)
        }
        #expect(abs(q2 - y.reduce(0) { $0 + $1 * $1 }) < 1e-12 * q2)
        // (G + εI) c = w, and ‖y‖² = wᴴc
        var wc = 0.0
        for i in 0..<k {
            var re = 0.0, im = 0.0
            for j in 0..<k {
                let gr = g[2 * (i * k + j)] + (i == j ? eps : 0), gi = g[2 * (i * k + j) + 1]
                re += gr * c[2 * j] - gi * c[2 * j + 1]; im += gr * c[2 * j + 1] + gi * c[2 * j]
            }
            #expect(abs(re - w[2 * i]) < 1e-9 * scale && abs(im - w[2 * i + 1]) < 1e-9 * scale)
            wc += w[2 * i] * c[2 * i] + w[2 * i + 1] * c[2 * i + 1]
        }
        #expect(abs(wc - q2) < 1e-9 * q2)
        #expect(abs(norm - c.reduce(0) { $0 + $1 * $1 }) < 1e-12 * norm)
        // A negative pivot: −G is refused.
        let negative = g.map { -$0 }
        #expect(!SpanAlgebra.factor(gram: negative, epsilon: 0, k: k, l: &l, inverse: &inverse))
    }
}
