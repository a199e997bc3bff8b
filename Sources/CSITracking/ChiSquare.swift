import Foundation

/// Chi-square quantiles for the innovation gate (1, 2 or 3 degrees of freedom: the dimensions a fix has).
enum ChiSquare {
    /// P(χ²_k ≤ x) for k = 1, 2, 3 (closed forms).
    static func cdf(_ x: Double, degreesOfFreedom k: Int) -> Double {
        guard x > 0 else { return 0 }
        switch k {
        case 1: return erf((x / 2).squareRoot())
        case 2: return -expm1(-x / 2)
        case 3: return erf((x / 2).squareRoot()) - (2 * x / Double.pi).squareRoot() * exp(-x / 2)
        default: preconditionFailure("chi-square cdf implemented for 1...3 degrees of freedom, got \(k)")
        }
    }

    /// The x with P(χ²_k ≤ x) = p, for p in (0, 1) and k = 1, 2, 3. k = 2 is closed form; 1 and 3 by
    /// bisection to 1e-12 relative (the cdf is monotone).
    static func quantile(_ p: Double, degreesOfFreedom k: Int) -> Double {
        precondition(p > 0 && p < 1, "probability must be in (0, 1), got \(p)")
        if k == 2 { return -2 * log1p(-p) }
        var lo = 0.0, hi = 1.0
        while cdf(hi, degreesOfFreedom: k) < p { hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if cdf(mid, degreesOfFreedom: k) < p { lo = mid } else { hi = mid }
            if hi - lo <= 1e-12 * hi { break }
        }
        return (lo + hi) / 2
    }
}
