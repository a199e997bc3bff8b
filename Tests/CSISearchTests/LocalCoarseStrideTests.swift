import CSIChannel
import CSINumerics
import Testing

@testable import CSISearch

/// The local grid ranked on every other antenna (`LocalizerConfiguration.localCoarseAntennaStride`): chosen where
/// the array allows it, never when the grid's costs are the fix's, and the fixes are those of the full grid.
@Suite struct LocalCoarseStrideTests {
    static let scene = SearchTestSupport.multipath()
    static let sim = ChannelSimulator(scene: scene)

    static func localizer(_ edit: (inout LocalizerConfiguration) -> Void) -> Localizer {
        var c = LocalizerConfiguration()
        edit(&c)
        return Localizer(model: sim, region: scene.ueRegion, configuration: c, width: 1)
    }

    @Test func theStrideIsChosenWhereTheArrayAllowsIt() {
        #expect(Self.sim.antennaCount == 16)
        // The simulator's strided correlation evaluates every antenna anyway: automatic keeps them all; a
        // configured stride is honoured.
        #expect(!Self.sim.correlatesFewerAntennasFaster)
        #expect(Self.localizer { _ in }.localAntennaStride == 1)
        #expect(Self.localizer { $0.localCoarseAntennaStride = 2 }.localAntennaStride == 2)
        // A configured stride keeps at least 8 antennas: 3 of 16 would leave 6.
        #expect(Self.localizer { $0.localCoarseAntennaStride = 3 }.localAntennaStride == 2)
        // Without a refinement the grid's cost is the fix's: all antennas.
        #expect(
            Self.localizer {
                $0.localCoarseAntennaStride = 2; $0.refinement = .none
            }.localAntennaStride == 1)
        #expect(
            Self.localizer {
                $0.localCoarseAntennaStride = 2; $0.maxIterations = 0
            }.localAntennaStride == 1)
        // The published variants rank on every antenna, as published.
        #expect(SearchMethod.offgridPS.configuration(nuisance: .none).localCoarseAntennaStride == 1)
        // Eight antennas: halving would leave four.
        let small = ChannelSimulator(scene: SearchTestSupport.multipath(antennas: 8))
        var two = LocalizerConfiguration()
        two.localCoarseAntennaStride = 2
        #expect(
            Localizer(model: small, region: Self.scene.ueRegion, configuration: two, width: 1).localAntennaStride == 1)
    }

    /// The coarse grid's costs are the phase-sensitive costs of the kept antennas' channels, computed here from
    /// the simulator's Float64 channels (to the fused scorer's Float32 rounding).
    @Test func coarseCostsAreTheKeptAntennasCosts() {
        let l = Self.localizer { $0.localCoarseAntennaStride = 2 }
        var s = l.makeScratch()
        let truth = Point3(0.13, -0.21, 1)
        let h = Self.sim.channels(at: [truth])
        h.withUnsafeBufferPointer { s.load(frame: $0) }
        let nodes = (0..<20).map { truth + Point3(0.01 * Double($0 % 5) - 0.02, 0.01 * Double($0 / 5) - 0.02, 0) }
        for (i, p) in nodes.enumerated() { s.candidates[i] = p }
        l.scoreCandidates(count: nodes.count, coarse: true, &s)
        let f = Self.sim.channels(at: nodes)
        let na = Self.sim.antennaCount, ns = Self.sim.subcarrierCount, per = 2 * na * ns
        let hEnergy = stride(from: 0, to: na, by: 2).reduce(0.0) { e, j in
            e + (0..<(2 * ns)).reduce(0.0) { $0 + h[2 * j * ns + $1] * h[2 * j * ns + $1] }
        }
        for b in nodes.indices {
            var cost = 0.0
            for j in stride(from: 0, to: na, by: 2) {
                for i in 0..<(2 * ns) {
                    let d = h[2 * j * ns + i] - f[b * per + 2 * j * ns + i]
                    cost += d * d
                }
            }
            #expect(abs(s.costs[b] - cost) <= 1e-5 * hEnergy, "node \(b): \(s.costs[b]) vs \(cost)")
        }
    }

    /// The coarse and the full grid lead to the same fixes: on clean frames to 10⁻⁶ m (most of them on the truth —
    /// the global stage of this small test scene misses a few), at 10 dB SNR within λ₀/20 (the same basin).
    @Test func theFixesAreTheFullGrids() {
        let coarse = Self.localizer { $0.localCoarseAntennaStride = 2 }
        let full = Self.localizer { $0.localCoarseAntennaStride = 1 }
        var rng = SeededGenerator(seed: 41)
        var onTruth = 0
        for _ in 0..<8 {
            let truth = Point3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, 1)
            let h = Self.sim.channels(at: [truth])
            let a = coarse.localize(h), b = full.localize(h)
            #expect((a.position - b.position).length < 1e-6, "truth \(truth): \(a.position) vs \(b.position)")
            if (a.position - truth).length < 1e-6 { onTruth += 1 }
            let energy = h.reduce(0) { $0 + $1 * $1 }
            let sigma = (energy / Double(h.count) / fromDecibels(10)).squareRoot()
            let noisy = h.map { $0 + sigma * rng.nextGaussian() }
            let c = coarse.localize(noisy), d = full.localize(noisy)
            #expect((c.position - d.position).length < SearchTestSupport.wavelength / 20, "truth \(truth)")
        }
        #expect(onTruth >= 5)
    }
}
