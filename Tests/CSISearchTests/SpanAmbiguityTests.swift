import CSIChannel
import CSINumerics
import Foundation
import Testing

@testable import CSISearch

/// The near-repeats of 3-D searches with a linear array (`AmbiguityMap.buildSpan`) and the stage that uses them
/// (`Localizer.spanAmbiguitySearch`), on unsynchronised frames.
@Suite struct SpanAmbiguityTests {
    static let scene = ArrayAxisTests.scene3D()
    static let sim = ChannelSimulator(scene: scene)
    static let localizer = Localizer(
        model: sim, region: scene.ueRegion,
        configuration: SearchMethod.robust.configuration(nuisance: .phaseGainAndTiming))

    /// Each stored (axial, radial) vector is beyond the centre's own basin and inside the searched radius, a span
    /// cost of the centre's own channel below the mismatch limit, cheapest first and pairwise distinct; the centre
    /// itself costs only the arc's interpolation error.
    @Test func spanVectorsAreTheCheapestMinimaOfTheSpanCost() throws {
        let l = Self.localizer, c = l.configuration
        let map = try #require(l.spanAmbiguityMap)
        #expect(map.count > 0)
        let step = c.arcSpanStepWavelengths * l.wavelength
        var checked = 0
        for cell in 0..<(map.nx * map.ny) {
            let centre = Point3(
                Swift.min(map.origin.x + (Double(cell % map.nx) + 0.5) * map.cellSize, l.region.upper.x),
                Swift.min(map.origin.y + (Double(cell / map.nx) + 0.5) * map.cellSize, l.region.upper.y),
                0.5 * (l.region.lower.z + l.region.upper.z))
            var s = l.makeScratch()
            Self.sim.channels(at: [centre]).withUnsafeBufferPointer { s.match.load($0) }
            l.loadSpanChannel(&s)
            let energy = s.match.energy
            let f = try #require(l.spanFrame(around: centre))
            s.spanNodes[0] = .zero
            l.scoreSpan(f, count: 1, level: 0, &s)
            #expect(s.spanCosts[0] < 1e-2 * energy, "the centre's own node: \(s.spanCosts[0] / energy)")
            let kept = map.vectors[cell].map { SIMD2($0.x, $0.y) }
            #expect(map.vectors[cell].allSatisfy { $0.z == 0 } && kept.count <= c.ambiguityVectors)
            for (i, o) in kept.enumerated() { s.spanNodes[i] = o }
            l.scoreSpan(f, count: kept.count, level: 0, &s)
            let costs = Array(s.spanCosts[0..<kept.count])
            for (i, o) in kept.enumerated() {
                let length = (o * o).sum().squareRoot()
                #expect(length > 2 * step && length <= c.ambiguityRadius * 2.0.squareRoot() + step)
                #expect(costs[i] < c.ambiguityMaxMismatch * energy)
                if i > 0 { #expect(costs[i] >= costs[i - 1]) }
                for o2 in kept[..<i] { #expect(((o - o2) * (o - o2)).sum() > 4 * step * step) }
                checked += 1
            }
        }
        #expect(checked >= 6)
    }

    /// Frames with a random gain, phase and timing offset, each refined from a point of the circle one near-repeat
    /// away from its transmitter: from where refinement alone stays, the stage never ends costlier and mostly ends
    /// exactly at the transmitter (8 of 13 starts on this 8-subcarrier, two-reflection scene; the others at a closer
    /// near-repeat — the street benchmark in docs/localization.md measures how often on a real-size scene).
    @Test func stageRecoversTheTransmitterFromSpanNearRepeats() throws {
        let l = Self.localizer
        let map = try #require(l.spanAmbiguityMap)
        var rng = SeededGenerator(seed: 7)
        var checked = 0, recovered = 0, exact = 0
        for truth in PositionSampler.uniform(in: Self.scene.ueRegion, count: 6, seed: 13) {
            let h = SearchTestSupport.impaired(
                Self.sim.channels(at: [truth]), gain: 0.5 + rng.nextUnit(), phase: 6 * rng.nextUnit(),
                timing: 4e-9 * (rng.nextUnit() - 0.5), frequencies: Self.sim.frequencies)
            var s = l.makeScratch()
            h.withUnsafeBufferPointer { s.match.load($0) }
            let f = try #require(l.spanFrame(around: truth))
            func cylindrical(_ p: Point3) -> SIMD2<Double> {
                let w = p - f.origin, a = w.dot(f.axis)
                return SIMD2(a, (w - f.axis * a).length)
            }
            for v in map.vectors(at: truth) {
                guard let arc = l.spanAngles(f, v.x, v.y) else { continue }
                let through = f.point(v.x, v.y, 0.5 * (arc.lo + arc.hi))
                let start = l.arcScan(through: through, want: 1, &s).picks[0].position
                let alone = l.refine(from: start, &s)
                // Only starts that refinement leaves at that near-repeat: elsewhere the stage has no claim.
                let offset = cylindrical(alone.position) - cylindrical(truth) - SIMD2(v.x, v.y)
                guard (alone.position - truth).length > l.wavelength / 4,
                    (offset * offset).sum().squareRoot() < l.wavelength / 4
                else { continue }
                var x = alone.position, cost = alone.cost
                var result: RefinementResult? = alone, stages: [StageReport] = []
                l.spanAmbiguitySearch(&x, &cost, &result, &stages, &s)
                #expect(cost <= alone.cost && stages.map(\.stage) == [.ambiguity])
                checked += 1
                if (x - truth).length < l.wavelength / 4 { recovered += 1 }
                if (x - truth).length < 1e-6 { exact += 1 }
            }
        }
        #expect(checked >= 6, "too few spurious near-repeats to test the stage")
        #expect(
            recovered * 2 > checked && exact == recovered, "recovered \(recovered), exactly \(exact), of \(checked)")
    }

    /// Only 3-D searches with the span stage and the ambiguity stage build the map; it is searched on every frame
    /// there, after the arc stage; a map too large to build is refused by validation, naming its keys.
    @Test func onlySpanSearchesWithTheStageBuildAMap() throws {
        #expect(Localizer(model: Self.sim, region: Self.scene.ueRegion).spanAmbiguityMap == nil)
        var flat = Self.scene.ueRegion
        flat.z = 1...1
        #expect(
            Localizer(
                model: Self.sim, region: flat,
                configuration: SearchMethod.robust.configuration(nuisance: .phaseGainAndTiming)
            ).spanAmbiguityMap == nil)
        let fix = Self.localizer.localize(Self.sim.channels(at: [Point3(0.1, -0.2, 1.1)]))
        #expect(fix.stages.map(\.stage).starts(with: [.global, .span, .refine1, .arc, .ambiguity]))
        // The patches' count sizes every worker's scratch: validated even without an ambiguity stage.
        var unused = LocalizerConfiguration()
        unused.ambiguityVectors = Int.max / 16
        #expect {
            _ = try Localizer(validating: Self.sim, region: Self.scene.ueRegion, configuration: unused)
        } throws: { "\($0)".contains("ambiguityVectors") }
        var huge = SearchMethod.robust.configuration(nuisance: .phaseGainAndTiming)
        huge.ambiguityCellSize = 1e-3
        #expect {
            _ = try Localizer(validating: Self.sim, region: Self.scene.ueRegion, configuration: huge)
        } throws: { error in
            "\(error)".contains("ambiguityCellSize") && "\(error)".contains("3-D ambiguity map")
        }
    }

    /// Interpolation between cell centres as built (the last one clamped to the region's edge): halfway between two
    /// centres a vector is the mean of its match in each; a vector with no match within the tolerance stands for
    /// itself; beyond the outer centres the nearest centre's vectors apply.
    @Test func vectorsInterpolateBetweenTheCellCentresAsBuilt() {
        // Cells of 0.5 m over x ∈ [0, 0.6]: centres at 0.25 and 0.6 (0.75 clamped to the edge), one row.
        let map = AmbiguityMap(
            origin: .zero, cellSize: 0.5, nx: 2, ny: 1, upper: Point3(0.6, 0.4, 0),
            vectors: [[Point3(0.10, 0.20, 0), Point3(-0.3, 0, 0)], [Point3(0.12, 0.24, 0)]])
        let mid = map.interpolatedVectors(at: Point3(0.425, 0.2, 0), tolerance: 0.05)
        #expect(mid.count == 2)
        #expect((mid[0] - Point3(0.11, 0.22, 0)).length < 1e-12)
        #expect((mid[1] - Point3(-0.3, 0, 0)).length < 1e-12)
        let edge = map.interpolatedVectors(at: Point3(0.6, 0.2, 0), tolerance: 0.05)
        #expect((edge[0] - Point3(0.12, 0.24, 0)).length < 1e-12)
        let before = map.interpolatedVectors(at: Point3(0.1, 0.2, 0), tolerance: 0.05)
        #expect((before[0] - Point3(0.10, 0.20, 0)).length < 1e-12)
    }
}
