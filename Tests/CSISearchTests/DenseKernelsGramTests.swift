import CSINumerics
import Testing

@testable import CSISearch

/// The span cost's blocked conjugate dot products against Float64 sums of the same Float32 inputs.
@Suite struct DenseKernelsGramTests {
    @Test(arguments: [1, 5, 8, 13, 16, 37, 256])
    func conjugateDotsEqualTheirFloat64Sums(count: Int) {
        var rng = SeededGenerator(seed: UInt64(100 + count))
        func vector() -> [Float] { (0..<count).map { _ in Float(rng.nextGaussian()) } }
        let xr = vector(), xi = vector()
        let cr = (0..<4).map { _ in vector() }, ci = (0..<4).map { _ in vector() }
        for columns in 1...4 {
            var out = [Double](repeating: .nan, count: 8)
            xr.withUnsafeBufferPointer { a in
                xi.withUnsafeBufferPointer { b in
                    cr[0].withUnsafeBufferPointer { r0 in
                        cr[1].withUnsafeBufferPointer { r1 in
                            cr[2].withUnsafeBufferPointer { r2 in
                                cr[3].withUnsafeBufferPointer { r3 in
                                    ci[0].withUnsafeBufferPointer { i0 in
                                        ci[1].withUnsafeBufferPointer { i1 in
                                            ci[2].withUnsafeBufferPointer { i2 in
                                                ci[3].withUnsafeBufferPointer { i3 in
                                                    out.withUnsafeMutableBufferPointer { o in
                                                        DenseKernels.conjugateDots(
                                                            a.baseAddress!, b.baseAddress!,
                                                            (
                                                                r0.baseAddress!, r1.baseAddress!, r2.baseAddress!,
                                                                r3.baseAddress!
                                                            ),
                                                            (
                                                                i0.baseAddress!, i1.baseAddress!, i2.baseAddress!,
                                                                i3.baseAddress!
                                                            ),
                                                            columns: columns, count: count, into: o.baseAddress!)
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for t in 0..<4 {
                guard t < columns else {
                    // Columns beyond the block are not written.
                    #expect(out[2 * t].isNaN && out[2 * t + 1].isNaN)
                    continue
                }
                // conj(x)·c = (a·u + b·v) + j(a·v − b·u)
                var re = 0.0, im = 0.0, scale = 0.0
                for i in 0..<count {
                    let a = Double(xr[i]), b = Double(xi[i]), u = Double(cr[t][i]), v = Double(ci[t][i])
                    re += a * u + b * v; im += a * v - b * u
                    scale += (a * a + b * b) * (u * u + v * v)
                }
                // Float32 accumulation: a few units of 2⁻²⁴ of the terms' scale.
                let bound = 1e-5 * (scale * Double(count)).squareRoot()
                #expect(abs(out[2 * t] - re) <= bound, "column \(t) of \(columns), count \(count)")
                #expect(abs(out[2 * t + 1] - im) <= bound, "column \(t) of \(columns), count \(count)")
            }
        }
    }

    /// The single conjugate dot product (sixteen at a time, then eight, then one by one) against its Float64 sum.
    @Test(arguments: [1, 7, 8, 13, 16, 24, 31, 37, 256])
    func conjugateDotEqualsItsFloat64Sum(count: Int) {
        var rng = SeededGenerator(seed: UInt64(300 + count))
        func vector() -> [Float] { (0..<count).map { _ in Float(rng.nextGaussian()) } }
        let ar = vector(), ai = vector(), br = vector(), bi = vector()
        var re = 0.0, im = 0.0, scale = 0.0
        for i in 0..<count {
            let a = Double(ar[i]), b = Double(ai[i]), u = Double(br[i]), v = Double(bi[i])
            re += a * u + b * v; im += a * v - b * u
            scale += (a * a + b * b) * (u * u + v * v)
        }
        let d = DenseKernels.conjugateDot(ar, ai, br, bi, count: count)
        let bound = 1e-5 * (scale * Double(count)).squareRoot()
        #expect(abs(d.re - re) <= bound && abs(d.im - im) <= bound, "count \(count)")
    }
}
