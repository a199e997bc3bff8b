@testable import CSIChannel
import Testing

@Suite struct PositionSamplerTests {
    let region = Region(x: -5...5, y: -5...5, z: 1.5...1.5)

    @Test func quarterWavelengthGridOverTenMetres() {
        let spacing = 0.0214
        let n = Int((10 / spacing).rounded(.down)) + 1      // 468 per axis
        #expect(PositionSampler.gridCount(in: region, spacing: spacing) == n * n)
        let g = PositionSampler.grid(in: Region(x: 0...1, y: 0...0.5, z: 2...2), spacing: 0.25)
        #expect(g.count == 5 * 3)
        #expect(g[1] == Point3(0.25, 0, 2))       // x varies fastest
        #expect(g[5] == Point3(0, 0.25, 2))
    }

    @Test func uniformPointsAreInsideAndReproducible() {
        let a = PositionSampler.uniform(in: region, count: 2000, seed: 5)
        let b = PositionSampler.uniform(in: region, count: 2000, seed: 5)
        let c = PositionSampler.uniform(in: region, count: 2000, seed: 6)
        #expect(a == b)
        #expect(a != c)
        #expect(a.allSatisfy(region.contains))
        // Roughly uniform: each quadrant holds 25 % ± 5 %.
        let q = a.filter { $0.x > 0 && $0.y > 0 }.count
        #expect(abs(Double(q) / 2000 - 0.25) < 0.05)
    }
}
