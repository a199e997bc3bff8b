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
        let input = UnsafeRawPointer(x), sines = UnsafeMutableRawPointer(s), cosines = UnsafeMutableRawPointer(c)
        let size = MemoryLayout<Double>.stride, floatSize = MemoryLayout<Float>.stride
        while i + 8 <= count {
            let lo = input.loadUnaligned(fromByteOffset: i * size, as: Lanes.self)
            let hi = input.loadUnaligned(fromByteOffset: (i + 4) * size, as: Lanes.self)
            let (sv, cv) = sinCosFloat(lo, hi)
            sines.storeBytes(of: sv, toByteOffset: i * floatSize, as: SIMD8<Float>.self)
            cosines.storeBytes(of: cv, toByteOffset: i * floatSize, as: SIMD8<Float>.self)
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

    /// Eight sines and cosines (Float32) of eight Float64 angles (`lo` the first four, `hi` the next), as the buffer
    /// form computes them lane by lane. Always inlined: as a call its vectors go through memory.
    @inlinable @inline(__always)
    public static func sinCosFloat(_ lo: SIMD4<Double>, _ hi: SIMD4<Double>) -> (sin: SIMD8<Float>, cos: SIMD8<Float>) {
        typealias F = SIMD8<Float>
        let qlo = (lo * twoOverPi).rounded(.toNearestOrEven), qhi = (hi * twoOverPi).rounded(.toNearestOrEven)
        var rlo = lo.addingProduct(-qlo, Lanes(repeating: p1)), rhi = hi.addingProduct(-qhi, Lanes(repeating: p1))
        rlo = rlo.addingProduct(-qlo, Lanes(repeating: p2)); rhi = rhi.addingProduct(-qhi, Lanes(repeating: p2))
        let r = F(lowHalf: SIMD4<Float>(rlo), highHalf: SIMD4<Float>(rhi))
        // The quadrant q mod 4 from the low bits of q + 1.5·2²³ (whose unit in the last place is 1, so its low
        // mantissa bits are q + 2²² for |q| < 2²²): no conversion that could trap on a NaN.
        let q = unsafeBitCast(
            F(lowHalf: SIMD4<Float>(qlo), highHalf: SIMD4<Float>(qhi)) + F(repeating: 12_582_912),
            to: SIMD8<Int32>.self)
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
        // Quadrant n = q mod 4: (sin, cos) = (s, c), (c, −s), (−s, −c), (−c, s) — as in the Float64 version:
        // odd n swaps the two, n = 2, 3 negates the sine, n = 1, 2 the cosine (bit 1 of q + 1). Selects, not
        // products, so the values are exactly the polynomials'.
        let one = SIMD8<Int32>(repeating: 1), two = SIMD8<Int32>(repeating: 2)
        let swap = (q & one) .== one
        let sine0 = sr.replacing(with: cr, where: swap), cosine0 = cr.replacing(with: sr, where: swap)
        let sine = sine0.replacing(with: -sine0, where: (q & two) .== two)
        let cosine = cosine0.replacing(with: -cosine0, where: ((q &+ one) & two) .== two)
        return (sine, cosine)
    }
}
