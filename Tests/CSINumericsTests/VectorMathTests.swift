import CSINumerics
import Foundation
import Testing

@Suite struct VectorMathTests {
    @Test func sinCosMatchesLibmAcrossTheRangeOfChannelPhases() {
        var rng = SeededGenerator(seed: 12)
        var xs = (0..<100_000).map { _ in (rng.nextUnit() * 2 - 1) * 20_000 }
        xs += [0, .pi / 4, -.pi / 4, .pi / 2, .pi, 3 * .pi / 2, 1e-300, -1e-12, 7777.777]
        var s = [Double](repeating: 0, count: xs.count), c = s
        xs.withUnsafeBufferPointer { x in
            s.withUnsafeMutableBufferPointer { sb in
                c.withUnsafeMutableBufferPointer { cb in
                    VectorMath.sinCos(x.baseAddress!, sin: sb.baseAddress!, cos: cb.baseAddress!, count: x.count)
                }
            }
        }
        var worst = 0.0
        for (i, x) in xs.enumerated() { worst = max(worst, abs(s[i] - sin(x)), abs(c[i] - cos(x))) }
        // libm itself is accurate to < 1 ulp; the difference is the reduction error, ~|x|·1e-20 plus rounding.
        #expect(worst < 2e-15)
    }

    /// Every angle goes through the same arithmetic whatever its index and the call's length (the SIMD
    /// groups and the padded tail), so a channel does not depend on how many antennas share the call.
    @Test func sinCosDoesNotDependOnPositionInTheCall() {
        var rng = SeededGenerator(seed: 5)
        let xs = (0..<11).map { _ in (rng.nextUnit() * 2 - 1) * 3_000 }
        var s = [Double](repeating: 0, count: xs.count), c = s
        xs.withUnsafeBufferPointer { x in
            s.withUnsafeMutableBufferPointer { sb in
                c.withUnsafeMutableBufferPointer { cb in
                    VectorMath.sinCos(x.baseAddress!, sin: sb.baseAddress!, cos: cb.baseAddress!, count: x.count)
                }
            }
        }
        for (i, x) in xs.enumerated() {
            var one = [x], s1 = [0.0], c1 = [0.0]
            one.withUnsafeMutableBufferPointer { p in
                s1.withUnsafeMutableBufferPointer { sb in
                    c1.withUnsafeMutableBufferPointer { cb in
                        VectorMath.sinCos(p.baseAddress!, sin: sb.baseAddress!, cos: cb.baseAddress!, count: 1)
                    }
                }
            }
            #expect(s1[0].bitPattern == s[i].bitPattern && c1[0].bitPattern == c[i].bitPattern)
        }
    }
}
