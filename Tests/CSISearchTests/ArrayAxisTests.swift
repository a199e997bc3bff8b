import CSIChannel
import CSINumerics
import Foundation
import Testing

@testable import CSISearch

/// The circle about a linear array's axis (`ArrayAxis`) and the arc stage of 3-D searches.
@Suite struct ArrayAxisTests {
    static let wavelength = SearchTestSupport.wavelength

    /// A multipath scene searched in 3-D (UE heights 0.8–1.4 m).
    static func scene3D() -> Scene {
        var s = SearchTestSupport.multipath()
        s.ueRegion = Region(x: -0.6...0.6, y: -0.6...0.6, z: 0.8...1.4)
        return s
    }

    @Test func collinearAntennasHaveAnAxisOthersDoNot() throws {
        let ula = SearchTestSupport.multipath().array.positions
        let axis = try #require(ArrayAxis(antennas: ula, tolerance: 1e-6))
        #expect(abs(abs(axis.direction.y) - 1) < 1e-12)
        let centroid = ula.reduce(Point3.zero, +) / Double(ula.count)
        #expect((axis.origin - centroid).length < 1e-12)
        // A 2 × 2 planar array, a single antenna, one antenna off the line by 1 mm: no axis.
        let planar = [Point3(0, 0, 0), Point3(0, 0.05, 0), Point3(0, 0, 0.05), Point3(0, 0.05, 0.05)]
        #expect(ArrayAxis(antennas: planar, tolerance: 1e-6) == nil)
        #expect(ArrayAxis(antennas: [Point3(1, 2, 3)], tolerance: 1e-6) == nil)
        var bent = ula; bent[3].z += 1e-3
        #expect(ArrayAxis(antennas: bent, tolerance: 1e-4) == nil)
        #expect(ArrayAxis(antennas: bent, tolerance: 1e-2) != nil)
    }

    /// Arc points keep the axial coordinate and the distance to the axis — so the direct path's length to every
    /// antenna — are `spacing` apart along the arc, nearest first, and stop where `keep` refuses.
    @Test func arcKeepsTheDirectPathAndWalksOutwards() throws {
        let antennas = SearchTestSupport.multipath().array.positions
        let axis = try #require(ArrayAxis(antennas: antennas, tolerance: 1e-6))
        let start = Point3(0.2, -0.1, 1.1), spacing = 0.01
        let points = axis.arc(through: start, spacing: spacing, limit: 1000) { $0.z >= 0.8 && $0.z <= 1.4 }
        #expect(points.count > 40)
        func cylindrical(_ p: Point3) -> (axial: Double, radius: Double) {
            let w = p - axis.origin, a = w.dot(axis.direction)
            return (a, (w - axis.direction * a).length)
        }
        let c0 = cylindrical(start)
        for p in points {
            let c = cylindrical(p)
            #expect(abs(c.axial - c0.axial) < 1e-12 && abs(c.radius - c0.radius) < 1e-12)
            for a in antennas { #expect(abs((p - a).length - (start - a).length) < 1e-9) }
            #expect(p.z >= 0.8 && p.z <= 1.4)
        }
        // Alternating sides, each step one spacing further along the arc (chord of an arc of length k·spacing).
        let r = c0.radius
        for (i, p) in points.prefix(10).enumerated() {
            let k = Double(i / 2 + 1)
            #expect(abs((p - start).length - 2 * r * sin(k * spacing / (2 * r))) < 1e-9)
        }
        // Both ends reach the height limits: the next step beyond each end leaves the slab.
        let zs = points.map(\.z)
        #expect(zs.min()! < 0.8 + 0.02 && zs.max()! > 1.4 - 0.02)
        #expect(axis.arc(through: start, spacing: spacing, limit: 7) { _ in true }.count == 7)
        #expect(axis.arc(through: start, spacing: spacing, limit: 100) { _ in false }.isEmpty)
    }

    /// From a point of the true circle (only the ground reflection's phase is wrong there), refinement alone
    /// ends in a spurious minimum; the arc stage finds the transmitter.
    @Test func arcStageRecoversTheHeightAlongTheCircle() throws {
        let scene = Self.scene3D(), sim = ChannelSimulator(scene: scene)
        var c = LocalizerConfiguration()
        c.arcCandidatesToRefine = 8
        let localizer = Localizer(model: sim, region: scene.ueRegion, configuration: c)
        let axis = try #require(localizer.arrayAxis)
        let truth = Point3(0.1, 0.2, 1.05)
        let h = sim.channels(at: [truth])
        let onCircle = axis.arc(through: truth, spacing: 0.01, limit: 200) { $0.z >= 0.8 && $0.z <= 1.4 }
        var s = localizer.makeScratch()
        h.withUnsafeBufferPointer { s.match.load($0) }
        var checked = 0
        for start in onCircle where (start - truth).length > 0.1 {
            let alone = localizer.refine(from: start, &s)
            guard (alone.position - truth).length > Self.wavelength / 4 else { continue }
            s.candidates[0] = start
            localizer.scoreCandidates(count: 1, &s)
            var x = start, cost = s.costs[0]
            var result: RefinementResult? = nil, stages: [StageReport] = []
            localizer.arcSearch(&x, &cost, &result, &stages, &s)
            #expect((x - truth).length < 1e-6, "start \(start): refinement alone \(alone.position), arc \(x)")
            #expect(stages.map(\.stage) == [.arc] && stages[0].candidates > 20)
            checked += 1
        }
        #expect(checked >= 3, "too few spurious starts on the circle to test the stage")
    }

    @Test func threeDimensionalSearchRunsTheArcTwiceAndTwoDimensionalNever() {
        let scene = Self.scene3D(), sim = ChannelSimulator(scene: scene)
        let x = Point3(-0.2, 0.1, 1.2)
        var always = LocalizerConfiguration(); always.adaptiveCircles = false
        let fix3 = Localizer(model: sim, region: scene.ueRegion, configuration: always).localize(sim.channels(at: [x]))
        #expect(fix3.stages.map(\.stage) == [.global, .span, .refine1, .arc, .circles, .refine2, .arc])
        #expect((fix3.position - x).length < 1e-6, "fix \(fix3.position)")
        var off = LocalizerConfiguration(); off.arc = false
        #expect(
            !Localizer(model: sim, region: scene.ueRegion, configuration: off).localize(sim.channels(at: [x]))
                .stages.contains { $0.stage == .arc })
        let flat = SearchTestSupport.multipath(), flatSim = ChannelSimulator(scene: flat)
        #expect(
            !Localizer(model: flatSim, region: flat.ueRegion).localize(flatSim.channels(at: [Point3(0.1, 0.1, 1)]))
                .stages.contains { $0.stage == .arc })
    }
}

/// Several global picks (`globalStarts`): distinct, best first, the first the single-start pick.
@Suite struct GlobalStartsTests {
    @Test func globalPicksAreDistinctBestFirstAndStartWithTheSinglePick() {
        let scene = ArrayAxisTests.scene3D(), sim = ChannelSimulator(scene: scene)
        let h = sim.channels(at: [Point3(0.25, -0.3, 1.1)])
        var one = LocalizerConfiguration(); one.circles = false
        var three = one; three.globalStarts = 3; three.globalStartSeparation = 0.15
        let l1 = Localizer(model: sim, region: scene.ueRegion, configuration: one)
        let l3 = Localizer(model: sim, region: scene.ueRegion, configuration: three)
        var s1 = l1.makeScratch(), s3 = l3.makeScratch()
        h.withUnsafeBufferPointer {
            s1.match.load($0); s3.match.load($0)
        }
        let g1 = l1.globalStage(&s1), g3 = l3.globalStage(&s3)
        #expect(g1.picks.count == 1 && g3.picks.count == 3)
        #expect(g3.picks[0].position == g1.picks[0].position && g3.picks[0].score == g1.picks[0].score)
        for i in 0..<3 {
            if i > 0 { #expect(g3.picks[i].score <= g3.picks[i - 1].score) }
            for j in 0..<i { #expect((g3.picks[i].position - g3.picks[j].position).length >= 0.15) }
        }
        // Each pick runs its own local grid and refinement; the cheapest result is kept.
        let fix = h.withUnsafeBufferPointer { l3.localize($0, scratch: &s3) }
        #expect(fix.stages.filter { $0.stage == .refine1 }.count == 3)
        #expect(fix.cost <= (h.withUnsafeBufferPointer { l1.localize($0, scratch: &s1) }).cost * (1 + 1e-9) + 1e-30)
    }
}
