extension VectorMath {
    /// sin(x[i]) and cos(x[i]) as Float32, for i in 0..<count: the reduction by π/2 in Float64 (so arguments of
    /// thousands of radians, e.g. k·d over tens of metres, keep their fractional part exactly), then degree-9/8
    /// polynomials on [−π/4, π/4] in Float32, eight lanes at a time. Error below 4·10⁻⁷ (Float32 rounding) for
    /// |x| ≤ 10⁵ — for candidate scoring, where the exact Float64 `sinCos` is not needed.
    @inlinable
    public static func sinCosFloat(
        _ x: UnsafePointer<Double>, sin s: UnsafeMutablePointer<Float>,
        cos c: UnsafeMutablePointer<Float>, count: Int
    ) {
        var i = 0
        while i + 8 <= count {
            let lo = Lanes(x[i], x[i + 1], x[i + 2], x[i + 3]), hi = Lanes(x[i + 4], x[i + 5], x[i + 6], x[i + 7])
            let (sv, cv) = sinCosFloat(lo, hi)
            for lane in 0..<8 { s[i + lane] = sv[lane]; c[i + lane] = cv[lane] }
            i += 8
        }
        if i < count {
            var lo = Lanes.zero, hi = Lanes.zero
            for lane in 0..<min(4, count - i) { lo[lane] = x[i + lane] }
            for lane in 4..<max(4, count - i) { hi[lane - 4] = x[i + lane] }
            let (sv, cv) = sinCosFloat(lo, hi)
            for lane in 0..<(count - i) { s[i + lane] = sv[lane]; c[i + lane] = cv[lane] }
        }
    }

    /// Eight sines and cosines (Float32) of eight Float64 angles.
    @inlinable
    static func sinCosFloat(_ lo: Lanes, _ hi: Lanes) -> (sin: SIMD8<Float>, cos: SIMD8<Float>) {
        typealias F = SIMD8<Float>
        let qlo = (lo * twoOverPi).rounded(.toNearestOrEven), qhi = (hi * twoOverPi).rounded(.toNearestOrEven)
        var rlo = lo.addingProduct(-qlo, Lanes(repeating: p1)), rhi = hi.addingProduct(-qhi, Lanes(repeating: p1))
        rlo = rlo.addingProduct(-qlo, Lanes(repeating: p2)); rhi = rhi.addingProduct(-qhi, Lanes(repeating: p2))
        let r = F(
            Float(rlo[0]), Float(rlo[1]), Float(rlo[2]), Float(rlo[3]),
            Float(rhi[0]), Float(rhi[1]), Float(rhi[2]), Float(rhi[3]))
        let q = F(
            Float(qlo[0]), Float(qlo[1]), Float(qlo[2]), Float(qlo[3]),
            Float(qhi[0]), Float(qhi[1]), Float(qhi[2]), Float(qhi[3]))
        let r2 = r * r
        // sin r = r(1 − r²/3! + r⁴/5! − r⁶/7! + r⁸/9!), cos r = 1 − r²/2! + r⁴/4! − r⁶/6! + r⁸/8!
        var ps = F(repeating: 2.755_731_922e-6)
        ps = F(repeating: -1.984_126_984e-4).addingProduct(r2, ps)
        ps = F(repeating: 8.333_333_333e-3).addingProduct(r2, ps)
        ps = F(repeating: -0.166_666_666_7).addingProduct(r2, ps)
        let sr = r.addingProduct(r * r2, ps)
        var pc = F(repeating: 2.480_158_730e-5)
        pc = F(repeating: -1.388_888_889e-3).addingProduct(r2, pc)
        pc = F(repeating: 4.166_666_667e-2).addingProduct(r2, pc)
        pc = F(repeating: -0.5).addingProduct(r2, pc)
        let cr = F(repeating: 1).addingProduct(r2, pc)
        // Quadrant n = q mod 4: (sin, cos) = (s, c), (c, −s), (−s, −c), (−c, s) — as in the Float64 version.
        let one = F(repeating: 1), two = F(repeating: 2)
        let n: F = q - 4 * (q * 0.25).rounded(.down)
        let half: F = (n * 0.5).rounded(.down)
        let odd: F = n - two * half
        let t: F = ((n + one) * 0.5).rounded(.down)
        let cosFlip: F = t - two * (t * 0.5).rounded(.down)
        let signS: F = one - two * half, signC: F = one - two * cosFlip
        let sine: F = signS * (odd * cr + (one - odd) * sr)
        let cosine: F = signC * (odd * sr + (one - odd) * cr)
        return (sine, cosine)
    }
}
