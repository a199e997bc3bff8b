import CSIChannel
import CSINumerics
import Foundation
import Testing

@testable import CSISearch

/// The model's near-repeats under a per-frame gain, phase and timing offset (`AmbiguityMap`) and the stage that
/// uses them.
@Suite struct AmbiguityMapTests {
    static let scene = SearchTestSupport.multipath()
    static let sim = ChannelSimulator(scene: scene)
    static let localizer = Localizer(
        model: sim, region: scene.ueRegion,
        configuration: SearchMethod.robust.configuration(nuisance: .phaseGainAndTiming))

    /// min over α, τ of ‖g − α·D(τ)·f‖² / ‖g‖², by brute force: τ on a 0.01 ns grid over ±30 ns, α in closed form.
    static func mismatch(_ f: [Double], _ g: [Double], frequencies: [Double], antennas: Int) -> Double {
        let ns = frequencies.count, ref = frequencies.reduce(0, +) / Double(ns)
        var eg = 0.0, ef = 0.0
        for i in Swift.stride(from: 0, to: g.count, by: 2) {
            eg += g[i] * g[i] + g[i + 1] * g[i + 1]; ef += f[i] * f[i] + f[i + 1] * f[i + 1]
        }
        var best = 0.0
        for step in -3000...3000 {
            let tau = Double(step) * 1e-11
            var re = 0.0, im = 0.0 // ⟨D(τ) f, g⟩
            for a in 0..<antennas {
                for k in 0..<ns {
                    let i = 2 * (a * ns + k)
                    let phi = -2 * Double.pi * (frequencies[k] - ref) * tau
                    let dr = cos(phi) * f[i] - sin(phi) * f[i + 1], di = sin(phi) * f[i] + cos(phi) * f[i + 1]
                    re += dr * g[i] + di * g[i + 1]; im += dr * g[i + 1] - di * g[i]
                }
            }
            best = max(best, (re * re + im * im) / ef)
        }
        return 1 - best / eg
    }

    @Test func vectorsAreNearRepeatsOfTheModel() throws {
        let map = try #require(Self.localizer.ambiguityMap)
        #expect(map.count > 0)
        let c = Self.localizer.configuration
        let freqs = Self.sim.frequencies, na = Self.sim.antennaCount
        var checked = 0
        for cell in [0, map.nx * map.ny / 2, map.nx * map.ny - 1] {
            let centre = Point3(
                map.origin.x + (Double(cell % map.nx) + 0.5) * map.cellSize,
                map.origin.y + (Double(cell / map.nx) + 0.5) * map.cellSize, map.origin.z)
            let f0 = Self.sim.channels(at: [centre])
            for v in map.vectors(at: centre) {
                #expect(
                    v.length > 2 * c.localStepWavelengths * Self.localizer.wavelength
                        && v.length <= c.ambiguityRadius * 1.5)
                let m = Self.mismatch(f0, Self.sim.channels(at: [centre + v]), frequencies: freqs, antennas: na)
                #expect(m < c.ambiguityMaxMismatch * 1.01, "mismatch \(m) at \(v)")
                // A local minimum: a step of λ/40 in any direction does not match better (beyond the polish lattice's reach).
                for d in [Point3(1, 0, 0), Point3(-1, 0, 0), Point3(0, 1, 0), Point3(0, -1, 0)] {
                    let side = Self.mismatch(
                        f0, Self.sim.channels(at: [centre + v + d * (Self.localizer.wavelength / 40)]),
                        frequencies: freqs, antennas: na)
                    #expect(side > m - 0.02, "at \(v) + \(d): \(side) vs \(m)")
                }
                checked += 1
            }
        }
        #expect(checked >= 3)
    }

    /// Frames with a random gain, phase and timing offset, each started at near-repeats of its transmitter where
    /// refinement alone stays: the stage never ends costlier than its start, and mostly finds the transmitter (on this
    /// 8-subcarrier scene 34 of 41 starts, 32 to 10⁻⁶ m)
    /// (the street benchmark in docs/localization.md measures how often on a real-size scene).
    @Test func stageRecoversTheTransmitterFromNearRepeats() throws {
        let l = Self.localizer
        let map = try #require(l.ambiguityMap)
        var rng = SeededGenerator(seed: 5)
        var checked = 0, recovered = 0, exact = 0
        for truth in PositionSampler.uniform(in: Self.scene.ueRegion, count: 8, seed: 11) {
            let h = SearchTestSupport.impaired(
                Self.sim.channels(at: [truth]), gain: 0.5 + rng.nextUnit(),
                phase: 6 * rng.nextUnit(), timing: 4e-9 * (rng.nextUnit() - 0.5),
                frequencies: Self.sim.frequencies)
            var s = l.makeScratch()
            h.withUnsafeBufferPointer { s.match.load($0) }
            for v in map.vectors(at: truth) where l.region.contains(truth + v, margin: 0) {
                let alone = l.refine(from: truth + v, &s)
                guard (alone.position - truth).length > l.wavelength / 4 else { continue }
                var x = alone.position, cost = alone.cost
                var result: RefinementResult? = alone, stages: [StageReport] = []
                l.ambiguitySearch(&x, &cost, &result, &stages, &s)
                #expect(cost <= alone.cost && stages.map(\.stage) == [.ambiguity])
                checked += 1
                if (x - truth).length < l.wavelength / 4 { recovered += 1 }
                if (x - truth).length < 1e-6 { exact += 1 }
            }
        }
        #expect(checked >= 6, "too few spurious near-repeats to test the stage")
        #expect(
            recovered * 4 >= checked * 3 && exact * 3 >= checked * 2,
            "recovered \(recovered), exactly \(exact), of \(checked)")
    }

    /// The stage's refinements screened (`ambiguityScreenIterations`, default 2) against the same stage with every
    /// refinement run to convergence, from the same spurious starts of unsynchronised frames (random gain, phase and
    /// timing, 20 dB): the same fix (a continued refinement resumes where its screen stopped, so it ends where an
    /// uninterrupted one does) with fewer Jacobians.
    @Test func screenedStageEndsWhereTheFullOneDoesWithFewerJacobians() throws {
        let screened = Self.localizer
        #expect(screened.configuration.ambiguityScreenIterations == 2)
        var c = screened.configuration
        c.ambiguityScreenIterations = 0
        let full = Localizer(model: Self.sim, region: Self.scene.ueRegion, configuration: c)
        let map = try #require(screened.ambiguityMap)
        var rng = SeededGenerator(seed: 17)
        var jacobians = (screened: 0, full: 0), checked = 0, moved = 0
        for truth in PositionSampler.uniform(in: Self.scene.ueRegion, count: 6, seed: 23) {
            let h = SearchTestSupport.noisy(
                SearchTestSupport.impaired(
                    Self.sim.channels(at: [truth]), gain: 0.5 + rng.nextUnit(), phase: 6 * rng.nextUnit(),
                    timing: 4e-9 * (rng.nextUnit() - 0.5), frequencies: Self.sim.frequencies),
                snrDB: 20, rng: &rng)
            for v in map.vectors(at: truth).prefix(3) where screened.region.contains(truth + v, margin: 0) {
                var ends: [(x: Point3, cost: Double, status: FixStatus)] = []
                for l in [screened, full] {
                    var s = l.makeScratch()
                    h.withUnsafeBufferPointer { s.load(frame: $0) }
                    let alone = l.refine(from: truth + v, &s)
                    var x = alone.position, cost = alone.cost
                    var result: RefinementResult? = alone, stages: [StageReport] = []
                    l.ambiguitySearch(&x, &cost, &result, &stages, &s)
                    let taken = stages.reduce(0) { $0 + $1.jacobianEvaluations }
                    if l.configuration.ambiguityScreenIterations > 0 {
                        jacobians.screened += taken
                    } else {
                        jacobians.full += taken
                    }
                    // The status from the kept minima: the runner-up test sees the screened ones too.
                    let status = l.finish(position: x, cost: cost, refinement: result, stages: stages, &s).status
                    ends.append((x, cost, status))
                    if (x - alone.position).length > l.wavelength / 8 { moved += 1 }
                }
                #expect((ends[0].x - ends[1].x).length <= 1e-9, "\(ends[0].x) vs \(ends[1].x)")
                #expect(abs(ends[0].cost - ends[1].cost) <= 1e-9 * ends[1].cost)
                #expect(ends[0].status == ends[1].status)
                checked += 1
            }
        }
        #expect(checked >= 6 && moved >= 2, "\(checked) starts, \(moved) moved")
        #expect(jacobians.screened < jacobians.full, "Jacobians \(jacobians)")
    }

    @Test func onlyFlatSearchesWithTheStageBuildAMap() {
        #expect(Localizer(model: Self.sim, region: Self.scene.ueRegion).ambiguityMap == nil)
        var s3 = Self.scene
        s3.ueRegion = Region(x: -0.6...0.6, y: -0.6...0.6, z: 0.8...1.2)
        #expect(
            Localizer(
                model: Self.sim, region: s3.ueRegion,
                configuration: SearchMethod.robust.configuration(nuisance: .phaseGainAndTiming)
            ).ambiguityMap == nil)
        // (the stage on every frame: adaptively it may be skipped where no near-repeat could be the fix,
        // CircleMismatchMapTests.adaptiveAmbiguityChangesNoFix)
        var always = SearchMethod.robust.configuration(nuisance: .phaseGainAndTiming)
        always.adaptiveAmbiguity = false
        let fix = Localizer(model: Self.sim, region: Self.scene.ueRegion, configuration: always)
            .localize(Self.sim.channels(at: [Point3(0.1, -0.2, 1)]))
        #expect(fix.stages.map(\.stage) == [.global, .local, .refine1, .ambiguity])
    }

    /// Offset lattices smaller than the 9 × 9 polish lattice (radius ≤ 3 steps) build without trapping, and a
    /// prescreen that would rescan too much per frame is refused by validation.
    @Test func smallLatticesBuildAndHugePrescreensAreRefused() throws {
        var c = SearchMethod.robust.configuration(nuisance: .phaseGainAndTiming)
        for radius in [0.016, 0.03, 0.05] {
            c.ambiguityRadius = radius
            let l = try Localizer(validating: Self.sim, region: Self.scene.ueRegion, configuration: c)
            #expect(l.ambiguityMap != nil)
        }
        var p = LocalizerConfiguration()
        p.globalPrescreenStride = 64; p.globalPrescreenKeep = 10_000
        #expect(throws: LocalizerConfigurationError.self) {
            _ = try Localizer(validating: Self.sim, region: Self.scene.ueRegion, configuration: p)
        }
    }
}
