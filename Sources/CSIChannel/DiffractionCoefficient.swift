package import Numerics

/// The scalar uniform-theory-of-diffraction (UTD) coefficient of a wedge (Kouyoumjian & Pathak 1974), in the
/// e^{jωt} convention of the simulator (a path of length d carries e^{−jkd}):
///
///   D = −e^{−jπ/4} / (2n √(2πk) sin β₀) · [ cot((π + β⁻)/2n) F(kL a⁺(β⁻)) + cot((π − β⁻)/2n) F(kL a⁻(β⁻))
///        + Γ₀ cot((π − β⁺)/2n) F(kL a⁻(β⁺)) + Γₙ cot((π + β⁺)/2n) F(kL a⁺(β⁺)) ],
///
/// β∓ = φ ∓ φ′ (angles from face 0 through free space, exterior angle nπ), a±(β) = 2cos²((2nπN± − β)/2) with N±
/// the integer nearest (β ± π)/(2nπ), F the transition function and L the distance parameter (s s′ sin²β₀ /
/// (s + s′) for spherical waves, s for a plane wave at normal incidence).
///
/// The scalar model: the two reflection-boundary terms carry the faces' reflection coefficients Γ₀, Γₙ (the
/// heuristic of Luebbers 1984). Γ = −1 on both faces is exactly the soft (Dirichlet) coefficient of a perfect
/// conductor, Γ = +1 the hard (Neumann) one; with Γ equal to the coefficient of the reflecting plane that models
/// the face, GO + UTD is continuous across that face's reflection boundary (docs/scenes.md, "Diffraction").
package enum DiffractionCoefficient {
    /// The coefficient D (units √m) for observation angle `phi`, incidence angle `phiPrime` (both in [0, nπ]),
    /// wedge factor `n` (exterior angle nπ, 1 < n ≤ 2), distance parameter `distance` (L, m), wavenumber `k`
    /// (rad/m), sin β₀ and the faces' reflection coefficients.
    package static func wedge(
        phi: Double, phiPrime: Double, n: Double, distance L: Double, wavenumber k: Double,
        sinBeta0: Double, reflection0: Complex<Double>, reflectionN: Complex<Double>
    ) -> Complex<Double> {
        let bm = phi - phiPrime, bp = phi + phiPrime
        let kl = k * L
        var sum = term(beta: bm, sign: 1, n: n, kl: kl)
        sum += term(beta: bm, sign: -1, n: n, kl: kl)
        sum += reflection0 * term(beta: bp, sign: -1, n: n, kl: kl)
        sum += reflectionN * term(beta: bp, sign: 1, n: n, kl: kl)
        // −e^{−jπ/4} / (2n √(2πk) sin β₀)
        // −e^{−jπ/4} = (−1 + j)/√2
        let r = 0.5.squareRoot() / (2 * n * (2 * Double.pi * k).squareRoot() * sinBeta0)
        let scale = Complex(-r, r)
        return scale * sum
    }

    /// cot((π + sign·β)/2n) · F(kL a^{sign}(β)), with its finite limit n[√(2πkL) sgn ε − 2kLε e^{jπ/4}] e^{jπ/4}
    /// at the (measure-zero) boundary itself, where the cotangent is infinite and F vanishes.
    static func term(beta: Double, sign: Double, n: Double, kl: Double) -> Complex<Double> {
        let arg = (Double.pi + sign * beta) / (2 * n)
        // Distance of arg from the nearest multiple of π: the boundary is at 0.
        let m = (arg / Double.pi).rounded()
        let delta = arg - m * Double.pi
        if abs(delta) < 1e-13 {
            let eps = 2 * n * delta
            let s: Double = eps > 0 ? 1 : (eps < 0 ? -1 : 0)
            let inner =
                Complex(s * (2 * Double.pi * kl).squareRoot(), 0)
                - Complex(length: 2 * kl * eps, phase: Double.pi / 4)
            return Complex(n, 0) * inner * Complex(length: 1, phase: Double.pi / 4)
        }
        let nPlus = ((beta + sign * Double.pi) / (2 * Double.pi * n)).rounded()
        let c = Double.cos((2 * n * Double.pi * nPlus - beta) / 2)
        let a = 2 * c * c
        return Complex(1 / Double.tan(delta), 0) * transition(kl * a)
    }

    /// The UTD transition function F(X) = 2j√X e^{jX} ∫_{√X}^∞ e^{−jτ²} dτ for X ≥ 0 (F(0) = 0, F → 1 as X → ∞).
    static func transition(_ x: Double) -> Complex<Double> {
        guard x > 0 else { return .zero }
        if x >= asymptoticThreshold {
            // F(X) ~ Σ_m (−1)^m (2m−1)!! / (2jX)^m; ten terms leave < 1e-12 for X ≥ 60 (no trigonometry: the
            // common case away from the shadow and reflection boundaries).
            var re = 1.0, im = 0.0, termRe = 1.0, termIm = 0.0
            let inv = 1 / (2 * x)
            for m in 1...10 {
                // term *= −(2m−1) / (2jX) = j(2m−1)/(2X)
                let f = Double(2 * m - 1) * inv
                (termRe, termIm) = (-termIm * f, termRe * f)
                re += termRe; im += termIm
            }
            return Complex(re, im)
        }
        let v = x.squareRoot()
        if v >= 2 {
            // With the continued fraction f of `fresnelTail`, e^{jX} cancels its e^{−jv²}: F = v e^{jπ/4} / f.
            let f = erfcContinuedFraction(v)
            return Complex(v * 0.5.squareRoot(), v * 0.5.squareRoot()) / Complex(f.re, f.im)
        }
        return Complex(0, 2 * v) * Complex(length: 1, phase: x) * fresnelTail(v)
    }

    /// The continued fraction z + ½/(z + 1/(z + (3/2)/(z + …))) at z = e^{jπ/4} v, v ≥ 2, evaluated from the tail
    /// in real arithmetic: erfc(z) = e^{−z²} / (√π · it).
    static func erfcContinuedFraction(_ v: Double) -> (re: Double, im: Double) {
        let zr = v * 0.5.squareRoot(), zi = zr
        let terms = 12 + Int(300 / (v * v))
        var fr = zr, fi = zi
        for m in stride(from: terms, through: 1, by: -1) {
            let c = Double(m) / 2 / (fr * fr + fi * fi)
            (fr, fi) = (zr + c * fr, zi - c * fi)
        }
        return (fr, fi)
    }

    /// (√π/2) e^{−jπ/4} = ∫_0^∞ e^{−jτ²} dτ.
    static let halfIntegral = (
        re: Double.pi.squareRoot() / 2 * 0.5.squareRoot(), im: -Double.pi.squareRoot() / 2 * 0.5.squareRoot()
    )

    /// Above this argument `transition` uses its asymptotic series.
    static let asymptoticThreshold = 60.0

    /// ∫_v^∞ e^{−jτ²} dτ for v ≥ 0: the power series of ∫_0^v below v = 2, the continued fraction of the
    /// complementary error function above, (√π/2) e^{−jπ/4} erfc(e^{jπ/4} v). Relative error ≲ 1e-14.
    static func fresnelTail(_ v: Double) -> Complex<Double> {
        let half = Complex(halfIntegral.re, halfIntegral.im)
        if v < 2 {
            // Σ (−j)^m v^{2m+1} / (m! (2m+1)), in real arithmetic.
            var pr = v, pi = 0.0, tr = 0.0, ti = 0.0
            let v2 = v * v
            for m in 0..<60 {
                let w = 1 / Double(2 * m + 1)
                tr += pr * w; ti += pi * w
                // p *= −j v² / (m + 1)
                let f = v2 / Double(m + 1)
                (pr, pi) = (pi * f, -pr * f)
                if abs(pr) + abs(pi) < 1e-18 * (abs(tr) + abs(ti)) { break }
            }
            return half - Complex(tr, ti)
        }
        // erfc(z) = e^{−z²}/√π · 1/(z + ½/(z + 1/(z + (3/2)/(z + …)))), z = e^{jπ/4} v (Re z > 0).
        let (fr, fi) = erfcContinuedFraction(v)
        // e^{−z²} = e^{−j v²}
        let erfc = Complex(length: 1 / Double.pi.squareRoot(), phase: -v * v) / Complex(fr, fi)
        return half * erfc
    }
}
