import Numerics
import Testing

@testable import CSIChannel

/// The protocol's default candidate correlation (`ChannelModel.correlate`, and on every n-th antenna), on the
/// simulator (which has no fused form): against the sums written out from its channels.
@Suite struct ChannelModelCorrelateTests {
    static let plan = SubcarrierPlan(frequencies: (0..<5).map { 3.5e9 + 6.25e6 * Double($0) })
    static let sim = ChannelSimulator(
        scene: TestScenes.withPlanes(
            [ReflectingPlane(name: "ground", point: .zero, normal: Point3(0, 0, 1), reflection: .init(-0.5, 0.1))],
            order: 1, antennas: 7, subcarriers: plan))

    @Test(arguments: [1, 2, 3, 7, 9])
    func stridedCorrelationsAreTheKeptAntennasSums(_ antennaStride: Int) {
        let m = Self.sim
        let na = m.antennaCount, ns = m.subcarrierCount
        let kept = Array(stride(from: 0, to: na, by: antennaStride)), ka = kept.count
        let h = m.channels(at: [Point3(0.4, -0.2, 1.3)])
        var hRe = [Double](repeating: 0, count: ka * ns), hIm = hRe
        for (jj, j) in kept.enumerated() {
            for k in 0..<ns { hRe[k * ka + jj] = h[2 * (j * ns + k)]; hIm[k * ka + jj] = h[2 * (j * ns + k) + 1] }
        }
        let positions = [Point3(0.1, 0.2, 1.5), Point3(-0.7, 0.05, 1.1), Point3(0.45, -0.25, 1.3)]
        var c = [Double](repeating: 0, count: positions.count * 2 * ns), e = [Double](repeating: 0, count: 3)
        var scratch = [Double](repeating: 0, count: positions.count * m.valuesPerChannel)
        positions.withUnsafeBufferPointer { p in
            c.withUnsafeMutableBufferPointer { cb in
                e.withUnsafeMutableBufferPointer { eb in
                    scratch.withUnsafeMutableBufferPointer { sb in
                        m.correlate(
                            p, antennaStride: antennaStride, hRe: hRe, hIm: hIm, correlations: cb.baseAddress!,
                            energies: eb.baseAddress!, scratch: sb)
                    }
                }
            }
        }
        let f = m.channels(at: positions)
        for b in positions.indices {
            var energy = 0.0
            for k in 0..<ns {
                var sum = Complex<Double>(0, 0)
                for j in kept {
                    let fj = TestScenes.complexAt(f, antenna: j, subcarrier: k, ns: ns, batch: b, na: na)
                    let hj = TestScenes.complexAt(h, antenna: j, subcarrier: k, ns: ns, na: na)
                    sum = sum + fj.conjugate * hj
                    energy += fj.real * fj.real + fj.imaginary * fj.imaginary
                }
                let got = Complex(c[2 * (b * ns + k)], c[2 * (b * ns + k) + 1])
                #expect((got - sum).length <= 1e-12 * max(sum.length, 1e-300), "b \(b), k \(k)")
            }
            #expect(abs(e[b] - energy) <= 1e-12 * energy)
        }
    }
}
