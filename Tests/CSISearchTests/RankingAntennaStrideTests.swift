import CSINumerics
import Testing

@testable import CSIChannel
@testable import CSISearch

/// The local grid and the circles ranked on every other antenna (`LocalizerConfiguration.rankingAntennaStride`):
/// chosen where the array allows it, never when their costs are the fix's, and the fixes are those of the full ranking.
@Suite struct RankingAntennaStrideTests {
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
        #expect(Self.localizer { _ in }.rankingAntennaStride == 1)
        #expect(Self.localizer { $0.rankingAntennaStride = 2 }.rankingAntennaStride == 2)
        // A configured stride keeps at least 8 antennas: 3 of 16 would leave 6.
        #expect(Self.localizer { $0.rankingAntennaStride = 3 }.rankingAntennaStride == 2)
        // Without a refinement the ranking stages' costs are the fix's: all antennas.
        #expect(
            Self.localizer {
                $0.rankingAntennaStride = 2; $0.refinement = .none
            }.rankingAntennaStride == 1)
        #expect(
            Self.localizer {
                $0.rankingAntennaStride = 2; $0.maxIterations = 0
            }.rankingAntennaStride == 1)
        // With the local grid off, the circles still rank on the kept antennas (3-D span searches too).
        #expect(
            Self.localizer {
                $0.rankingAntennaStride = 2; $0.localGrid = false
            }.rankingAntennaStride == 2)
        // Rescoring after a coarse ranking: automatic none on a line (this array), as configured otherwise.
        #expect(Self.localizer { $0.rankingAntennaStride = 2 }.rankingRescored == 0)
        #expect(
            Self.localizer {
                $0.rankingAntennaStride = 2; $0.rankingRescored = 16
            }.rankingRescored == 16)
        // A planar 4 × 4 array: 32 automatic.
        let lambda = SearchTestSupport.wavelength
        let planar = Scene(
            name: "planar",
            array: .upa(
                rows: 4, cols: 4, spacing: lambda / 2, center: Point3(-4, 0.3, 2.5), axis: Point3(0, 1, 0),
                axis2: Point3(0, 0, 1)),
            subcarriers: Self.scene.subcarriers, planes: [], maxReflectionOrder: 0, ueRegion: Self.scene.ueRegion)
        let planarLocalizer = Localizer(
            model: ChannelSimulator(scene: planar), region: planar.ueRegion, configuration: LocalizerConfiguration(),
            width: 1)
        #expect(planarLocalizer.rankingRescored == 32)
        // The published variants rank on every antenna, as published.
        #expect(SearchMethod.offgridPS.configuration(nuisance: .none).rankingAntennaStride == 1)
        // Eight antennas: halving would leave four.
        let small = ChannelSimulator(scene: SearchTestSupport.multipath(antennas: 8))
        var two = LocalizerConfiguration()
        two.rankingAntennaStride = 2
        #expect(
            Localizer(model: small, region: Self.scene.ueRegion, configuration: two, width: 1).rankingAntennaStride == 1
        )
    }

    /// ‖H − F‖² over every other antenna of the frame `h` and the channel `f` (antenna-major, interleaved).
    static func keptCost(_ h: [Double], _ f: ArraySlice<Double>) -> Double {
        let na = sim.antennaCount, ns = sim.subcarrierCount, o = f.startIndex
        var cost = 0.0
        for j in stride(from: 0, to: na, by: 2) {
            for i in 0..<(2 * ns) {
                let d = h[2 * j * ns + i] - f[o + 2 * j * ns + i]
                cost += d * d
            }
        }
        return cost
    }

    /// The coarse grid's costs are the phase-sensitive costs of the kept antennas' channels, computed here from
    /// the simulator's Float64 channels (to the fused scorer's Float32 rounding).
    @Test func coarseCostsAreTheKeptAntennasCosts() {
        let l = Self.localizer { $0.rankingAntennaStride = 2 }
        var s = l.makeScratch()
        let truth = Point3(0.13, -0.21, 1)
        let h = Self.sim.channels(at: [truth])
        h.withUnsafeBufferPointer { s.load(frame: $0) }
        let nodes = (0..<20).map { truth + Point3(0.01 * Double($0 % 5) - 0.02, 0.01 * Double($0 / 5) - 0.02, 0) }
        for (i, p) in nodes.enumerated() { s.candidates[i] = p }
        l.scoreCandidates(count: nodes.count, coarse: true, &s)
        let f = Self.sim.channels(at: nodes), per = Self.sim.valuesPerChannel
        let hEnergy = Self.keptCost(h, ArraySlice(repeating: 0, count: per))
        for b in nodes.indices {
            let cost = Self.keptCost(h, f[(b * per)..<((b + 1) * per)])
            #expect(abs(s.costs[b] - cost) <= 1e-5 * hEnergy, "node \(b): \(s.costs[b]) vs \(cost)")
        }
    }

    /// The circle stage ranks on the same antennas, the current fix among its candidates: its cost there is the kept
    /// antennas' too (not the one passed in, which is on all of them); with every antenna it is the one passed in.
    @Test func theCircleStageScoresTheFixOnTheSameAntennas() {
        let truth = Point3(0.13, -0.21, 1)
        let h = Self.sim.channels(at: [truth])
        let centre = truth + Point3(0.004, -0.003, 0), passed = 123.0
        let f = Self.sim.channels(at: [centre])
        let hEnergy = Self.keptCost(h, ArraySlice(repeating: 0, count: f.count))
        for stride in [2, 1] {
            // Without the rescoring of the cheapest, which moves them to the front (tested below).
            let l = Self.localizer {
                $0.rankingAntennaStride = stride; $0.rankingRescored = 0
            }
            var s = l.makeScratch()
            h.withUnsafeBufferPointer { s.load(frame: $0) }
            let c = l.circleStage(around: centre, centerCost: passed, &s)
            #expect(c.scored > 100)
            if stride == 2 {
                #expect(abs(s.costs[c.scored] - Self.keptCost(h, f[...])) <= 1e-5 * hEnergy)
            } else {
                #expect(s.costs[c.scored] == passed)
            }
        }
    }

    /// After the coarse ranking the `rankingRescored` cheapest candidates are moved to the front and scored on every
    /// antenna (their costs the full ranking's, to the bit); the others' costs are NaN (never picked) and the cheapest
    /// rescored is returned.
    @Test func theCheapestAreRescoredOnEveryAntenna() {
        let truth = Point3(0.13, -0.21, 1)
        let h = Self.sim.channels(at: [truth])
        let nodes = (0..<40).map { truth + Point3(0.006 * Double($0 % 8) - 0.02, 0.006 * Double($0 / 8) - 0.012, 0) }
        func scored(_ edit: (inout LocalizerConfiguration) -> Void, coarse: Bool) -> ([Point3], [Double], Int) {
            let l = Self.localizer(edit)
            var s = l.makeScratch()
            h.withUnsafeBufferPointer { s.load(frame: $0) }
            for (i, p) in nodes.enumerated() { s.candidates[i] = p }
            let best = l.scoreCandidates(count: nodes.count, coarse: coarse, &s)
            return (Array(s.candidates[0..<nodes.count]), Array(s.costs[0..<nodes.count]), best)
        }
        let (_, coarseCosts, _) = scored(
            {
                $0.rankingAntennaStride = 2; $0.rankingRescored = 0
            }, coarse: true)
        let (_, fullCosts, _) = scored({ $0.rankingAntennaStride = 2 }, coarse: false)
        let keep = 8
        let (positions, costs, best) = scored(
            {
                $0.rankingAntennaStride = 2; $0.rankingRescored = keep
            }, coarse: true)
        let cheapest = Set(nodes.indices.sorted { coarseCosts[$0] < coarseCosts[$1] }.prefix(keep))
        let front = Set(positions[0..<keep].map { p in nodes.firstIndex(of: p)! })
        #expect(front == cheapest)
        for i in 0..<keep { #expect(costs[i] == fullCosts[nodes.firstIndex(of: positions[i])!]) }
        #expect(costs[keep...].allSatisfy { $0.isNaN })
        #expect(best == (0..<keep).min { costs[$0] < costs[$1] })
        // Every candidate is still there, once.
        #expect(Set(positions) == Set(nodes) && positions.count == nodes.count)
    }

    /// The coarse and the full ranking lead to the same fixes: on clean frames to 10⁻⁶ m where the fix is the truth
    /// (most of them — the global stage of this small test scene loses a few, both ways to the same wrong minimum),
    /// at 10 dB SNR within λ₀/20 (the same basin).
    @Test func theFixesAreTheFullGrids() {
        let coarse = Self.localizer { $0.rankingAntennaStride = 2 }
        let full = Self.localizer { $0.rankingAntennaStride = 1 }
        var rng = SeededGenerator(seed: 41)
        var onTruth = 0
        for _ in 0..<8 {
            let truth = Point3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, 1)
            let h = Self.sim.channels(at: [truth])
            let a = coarse.localize(h), b = full.localize(h)
            if (b.position - truth).length < 1e-6 {
                #expect((a.position - b.position).length < 1e-6, "truth \(truth): \(a.position) vs \(b.position)")
            } else {
                // A frame the global stage of this small scene loses: the same wrong minimum (a flat one: its
                // refined points agree in cost, not to the micrometre).
                #expect(abs(a.cost - b.cost) <= 1e-6 * max(b.cost, 1e-300) && (a.position - b.position).length < 1e-3)
            }
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
