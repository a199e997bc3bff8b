import CSIChannel
import CSINumerics
import Foundation
import Testing

@testable import CSISearch

@Suite struct MeasureTests {
    static let na = 16, ns = 16

    /// Σ_l g_l a(μ_l) b(τ_l)ᵀ for plane waves: direction cosine μ (half-wavelength ULA) and delay τ.
    static func synthetic(_ paths: [(gRe: Double, gIm: Double, mu: Double, tau: Double)]) -> [Double] {
        var h = [Double](repeating: 0, count: 2 * na * ns)
        for p in paths {
            for j in 0..<na {
                for k in 0..<ns {
                    let phi = -Double.pi * p.mu * Double(j) - 2 * Double.pi * 6.25e6 * Double(k) * p.tau
                    let i = 2 * (j * ns + k)
                    h[i] += p.gRe * cos(phi) - p.gIm * sin(phi)
                    h[i + 1] += p.gRe * sin(phi) + p.gIm * cos(phi)
                }
            }
        }
        return h
    }

    static func rotated(_ h: [Double], by theta: Double) -> [Double] {
        var out = h
        for i in Swift.stride(from: 0, to: h.count, by: 2) {
            out[i] = h[i] * cos(theta) - h[i + 1] * sin(theta)
            out[i + 1] = h[i] * sin(theta) + h[i + 1] * cos(theta)
        }
        return out
    }

    @Test func phaseInsensitiveMeasureIgnoresACommonPhaseButPhaseSensitiveDoesNot() {
        let h = Self.synthetic([(1, 0.2, 0.31, 20e-9), (0.5, -0.4, -0.52, 75e-9)])
        let r = Self.rotated(h, by: 1.1)
        #expect(
            abs(GlobalMeasure.phaseInsensitive.similarity(h, r, antennas: Self.na, subcarriers: Self.ns) - 1) < 1e-12)
        #expect(abs(GlobalMeasure.angleDelay.similarity(h, r, antennas: Self.na, subcarriers: Self.ns) - 1) < 1e-5)
        let energy = h.reduce(0) { $0 + $1 * $1 }
        #expect(-GlobalMeasure.phaseSensitive.similarity(h, r, antennas: Self.na, subcarriers: Self.ns) > 0.5 * energy)
    }

    /// Changing the phase of one of two well-separated paths (different direction and delay) barely moves
    /// the angle–delay measure, while the PI measure (one common phase) decorrelates.
    @Test func angleDelayMeasureIgnoresInterPathPhasesOfSeparatedPaths() {
        let a = Self.synthetic([(1, 0, 0.25, 20e-9), (0.8, 0, -0.5, 90e-9)])
        let b = Self.synthetic([(1, 0, 0.25, 20e-9), (0, 0.8, -0.5, 90e-9)]) // second path turned by 90°
        let ad = GlobalMeasure.angleDelay.similarity(a, b, antennas: Self.na, subcarriers: Self.ns)
        let pi = GlobalMeasure.phaseInsensitive.similarity(a, b, antennas: Self.na, subcarriers: Self.ns)
        #expect(ad > 0.99, "angle–delay similarity \(ad)")
        #expect(pi < 0.8, "PI similarity \(pi)")
    }

    /// The timing-invariant angle–delay features do not move under a timing offset (a shift of every
    /// delay), while the standard ones do.
    @Test func timingInvariantFeaturesIgnoreATimingOffset() {
        let freqs = (0..<Self.ns).map { 3.5e9 + (Double($0) - 7.5) * 6.25e6 }
        let h = Self.synthetic([(1, 0.2, 0.31, 20e-9), (0.5, -0.4, -0.52, 75e-9)])
        let shifted = SearchTestSupport.impaired(h, gain: 1.7, phase: 0.4, timing: 7e-9, frequencies: freqs)
        func cosine(_ t: AngleDelayTransform) -> Double {
            var w = AngleDelayTransform.Workspace(t)
            var a = [Float](repeating: 0, count: t.featureCount), b = a
            h.withUnsafeBufferPointer { p in
                a.withUnsafeMutableBufferPointer {
                    t.image(of: p.baseAddress!, into: $0.baseAddress!, workspace: &w)
                }
            }
            shifted.withUnsafeBufferPointer { p in
                b.withUnsafeMutableBufferPointer {
                    t.image(of: p.baseAddress!, into: $0.baseAddress!, workspace: &w)
                }
            }
            return zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        #expect(
            abs(cosine(AngleDelayTransform(antennas: Self.na, subcarriers: Self.ns, timingInvariant: true)) - 1) < 1e-5)
        #expect(cosine(AngleDelayTransform(antennas: Self.na, subcarriers: Self.ns)) < 0.9)
    }

    /// What the timing-invariant features keep: the delay of one path relative to another from a different
    /// direction (the range information). Moving the second path's delay by 20 ns changes the features clearly,
    /// while a common timing offset does not.
    @Test func timingInvariantFeaturesKeepRelativeDelaysAcrossDirections() {
        let t = AngleDelayTransform(antennas: Self.na, subcarriers: Self.ns, timingInvariant: true)
        func features(_ h: [Double]) -> [Float] {
            var w = AngleDelayTransform.Workspace(t)
            var f = [Float](repeating: 0, count: t.featureCount)
            h.withUnsafeBufferPointer { p in
                f.withUnsafeMutableBufferPointer {
                    t.image(of: p.baseAddress!, into: $0.baseAddress!, workspace: &w)
                }
            }
            return f
        }
        let a = features(Self.synthetic([(1, 0, 0.25, 20e-9), (0.7, 0.2, -0.5, 75e-9)]))
        let b = features(Self.synthetic([(1, 0, 0.25, 20e-9), (0.7, 0.2, -0.5, 95e-9)]))
        let shifted = features(Self.synthetic([(1, 0, 0.25, 33e-9), (0.7, 0.2, -0.5, 88e-9)])) // both by 13 ns
        func cosine(_ x: [Float], _ y: [Float]) -> Double { zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
        #expect(cosine(a, b) < 0.9, "relative delay lost: \(cosine(a, b))")
        #expect(abs(cosine(a, shifted) - 1) < 1e-5)
    }

    /// The closed-form nuisance removal gives the cost of the best gain, phase and timing offset.
    @Test func matchCostRemovesGainPhaseAndTimingInClosedForm() {
        let freqs = (0..<Self.ns).map { 3.5e9 + (Double($0) - 7.5) * 6.25e6 }
        var m = NuisanceMatch(frequencies: freqs, antennas: Self.na, reference: 3.5e9, nuisance: .phaseGainAndTiming)
        let f = Self.synthetic([(1, 0.2, 0.31, 20e-9), (0.5, -0.4, -0.52, 75e-9)])
        let h = SearchTestSupport.impaired(f, gain: 0.7, phase: 2.2, timing: -3.3e-9, frequencies: freqs)
        h.withUnsafeBufferPointer { m.load($0) }
        let r = f.withUnsafeBufferPointer { m.evaluate($0.baseAddress!) }
        #expect(r.cost < 1e-20 * m.energy + 1e-24)
        #expect(abs(r.tau + 3.3e-9) < 1e-15)
        #expect(abs((r.alpha.re * r.alpha.re + r.alpha.im * r.alpha.im).squareRoot() - 0.7) < 1e-9)
    }
}
