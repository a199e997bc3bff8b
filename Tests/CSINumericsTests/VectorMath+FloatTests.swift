import CSINumerics
import Foundation
import Testing

@Suite struct VectorMathFloatTests {
    /// Float32 sines and cosines of large Float64 phases (k·d over tens of metres) against libm in Float64:
    /// the reduction keeps the fractional part, so the error is Float32 rounding, not |x|·ε_Float.
    @Test func sinCosFloatMatchesLibmToFloatRounding() {
        var rng = SeededGenerator(seed: 21)
        var xs = (0..<50_003).map { _ in (rng.nextUnit() * 2 - 1) * 20_000 }
        xs += [0, .pi / 4, -.pi / 4, .pi / 2, .pi, 3 * .pi / 2, -1e-12, 7777.777]
        var s = [Float](repeating: 0, count: xs.count), c = s
        xs.withUnsafeBufferPointer { x in
            s.withUnsafeMutableBufferPointer { sb in
                c.withUnsafeMutableBufferPointer { cb in
                    VectorMath.sinCosFloat(x.baseAddress!, sin: sb.baseAddress!, cos: cb.baseAddress!, count: x.count)
                }
            }
        }
        var worst = 0.0
        for (i, x) in xs.enumerated() { worst = max(worst, abs(Double(s[i]) - sin(x)), abs(Double(c[i]) - cos(x))) }
        #expect(worst < 4e-7)
        // A plain Float32 evaluation at |x| ~ 2·10⁴ would be off by ~10⁻³: the bound above is meaningful.
        #expect(abs(Double(Float(sin(Float(7777.777)))) - sin(7777.777)) > 1e-5)
    }

    /// Tails shorter than eight lanes go through the same arithmetic as full groups.
    @Test func sinCosFloatDoesNotDependOnPositionInTheCall() {
        var rng = SeededGenerator(seed: 8)
        let xs = (0..<13).map { _ in (rng.nextUnit() * 2 - 1) * 3_000 }
        var s = [Float](repeating: 0, count: xs.count), c = s
        xs.withUnsafeBufferPointer { x in
            s.withUnsafeMutableBufferPointer { sb in
                c.withUnsafeMutableBufferPointer { cb in
                    VectorMath.sinCosFloat(x.baseAddress!, sin: sb.baseAddress!, cos: cb.baseAddress!, count: x.count)
                }
            }
        }
        for (i, x) in xs.enumerated() {
            var one = [x], s1 = [Float(0)], c1 = [Float(0)]
            one.withUnsafeMutableBufferPointer { p in
                s1.withUnsafeMutableBufferPointer { sb in
                    c1.withUnsafeMutableBufferPointer { cb in
                        VectorMath.sinCosFloat(p.baseAddress!, sin: sb.baseAddress!, cos: cb.baseAddress!, count: 1)
                    }
                }
            }
            #expect(s1[0].bitPattern == s[i].bitPattern && c1[0].bitPattern == c[i].bitPattern)
        }
    }

    /// Arguments that are not numbers or out of the documented range give results, never a trap (the quadrant comes
    /// from bits, not from a Float-to-integer conversion); every quadrant of a whole period lands where libm does.
    @Test func sinCosFloatSurvivesAnyArgumentAndHandlesEveryQuadrant() {
        var xs: [Double] = [.nan, .infinity, -.infinity, 1e30, -1e30, .greatestFiniteMagnitude, 4e9, -4e9]
        for k in 0..<16 {
            let a = Double(k) * Double.pi / 4 + 0.1
            xs.append(a)
            xs.append(-a)
        }
        var s = [Float](repeating: 0, count: xs.count), c = s
        xs.withUnsafeBufferPointer { x in
            s.withUnsafeMutableBufferPointer { sb in
                c.withUnsafeMutableBufferPointer { cb in
                    VectorMath.sinCosFloat(x.baseAddress!, sin: sb.baseAddress!, cos: cb.baseAddress!, count: x.count)
                }
            }
        }
        #expect(s[0].isNaN && c[0].isNaN)
        for i in 8..<xs.count {
            #expect(abs(Double(s[i]) - sin(xs[i])) < 4e-7 && abs(Double(c[i]) - cos(xs[i])) < 4e-7, "x = \(xs[i])")
        }
    }
}
