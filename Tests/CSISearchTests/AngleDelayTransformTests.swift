import CSINumerics
import Foundation
import Testing

@testable import CSISearch

@Suite struct AngleDelayTransformTests {
    /// The image of a random channel (non-square: 6 antennas × 10 subcarriers) equals the magnitudes of a direct
    /// double sum Σ_jk H_jk e^{−jπ(pj/N_a + qk/N_s)}, normalised to unit norm; the noise estimate is the median
    /// of the un-padded bins' powers (sorted here) / ln 2 / (N_a·N_s).
    @Test func imageIsTheNormalisedZeroPaddedDFT() {
        let na = 6, ns = 10
        var rng = SeededGenerator(seed: 5, stream: 1)
        let h = (0..<(2 * na * ns)).map { _ in rng.nextGaussian() }
        var power = [Double](repeating: 0, count: 4 * na * ns)
        for p in 0..<(2 * na) {
            for q in 0..<(2 * ns) {
                var re = 0.0, im = 0.0
                for j in 0..<na {
                    for k in 0..<ns {
                        let phi = -Double.pi * (Double(p * j) / Double(na) + Double(q * k) / Double(ns))
                        let hr = h[2 * (j * ns + k)], hi = h[2 * (j * ns + k) + 1]
                        re += hr * cos(phi) - hi * sin(phi); im += hr * sin(phi) + hi * cos(phi)
                    }
                }
                power[p * 2 * ns + q] = re * re + im * im
            }
        }
        let norm = power.reduce(0, +).squareRoot()
        let t = AngleDelayTransform(antennas: na, subcarriers: ns)
        var w = AngleDelayTransform.Workspace(t)
        var out = [Float](repeating: 0, count: t.featureCount)
        let noise = h.withUnsafeBufferPointer { hp in
            out.withUnsafeMutableBufferPointer { t.image(of: hp.baseAddress!, into: $0.baseAddress!, workspace: &w) }
        }
        for i in power.indices {
            #expect(abs(Double(out[i]) - power[i].squareRoot() / norm) < 1e-6, "bin \(i)")
        }
        var even: [Double] = []
        for p in Swift.stride(from: 0, to: 2 * na, by: 2) {
            for q in Swift.stride(from: 0, to: 2 * ns, by: 2) { even.append(power[p * 2 * ns + q]) }
        }
        let median = even.sorted()[even.count / 2]
        #expect(abs(noise - median / log(2.0) / Double(na * ns)) <= 1e-9 * noise)
    }
}
