import CSIChannel
import CSINumerics
import Testing

@testable import CSISearch

/// The span stage's screened first refinement and its automatic coarse antenna stride.
@Suite struct ScreenedStartsTests {
    static let wavelength = SearchTestSupport.wavelength

    /// Screening every start at two iterations and continuing the four cheapest ends the search where refining
    /// every start to convergence does, with fewer Jacobians in the first refinement.
    @Test func screenedStartsEndWhereFullRefinementsEnd() throws {
        let scene = ArrayAxisTests.scene3D(), sim = ChannelSimulator(scene: scene)
        var full = LocalizerConfiguration()
        full.arcSpanScreenIterations = 0
        let screened = Localizer(model: sim, region: scene.ueRegion, configuration: LocalizerConfiguration())
        let unscreened = Localizer(model: sim, region: scene.ueRegion, configuration: full)
        let truths = [Point3(0.1, 0.2, 1.05), Point3(-0.3, -0.1, 1.3), Point3(0.35, 0.4, 0.9), Point3(-0.5, 0.3, 1.1)]
        var fewer = 0
        for truth in truths {
            let h = sim.channels(at: [truth])
            let a = screened.localize(h), b = unscreened.localize(h)
            #expect((a.position - b.position).length < 1e-4 * Self.wavelength, "truth \(truth)")
            #expect((a.position - truth).length < 1e-3 * Self.wavelength, "truth \(truth): fix \(a.position)")
            let ja = try #require(a.stages.first { $0.stage == .refine1 }).jacobianEvaluations
            let jb = try #require(b.stages.first { $0.stage == .refine1 }).jacobianEvaluations
            if ja < jb { fewer += 1 }
        }
        #expect(fewer == truths.count)
        #expect(screened.screensStarts(16) && !screened.screensStarts(4) && !unscreened.screensStarts(16))
        var descent = LocalizerConfiguration()
        descent.refinement = .gradientDescent
        #expect(!Localizer(model: sim, region: scene.ueRegion, configuration: descent).screensStarts(16))
    }

    /// Automatic: every other antenna where at least 8 remain, each ≤ λ₀ from the next kept one; else all of them.
    @Test func coarseAntennaStrideHalvesOnlyDenseLongArrays() {
        let l = Self.wavelength
        func ula(_ count: Int, spacing: Double) -> [Point3] {
            (0..<count).map { Point3(0, Double($0) * spacing, 3) }
        }
        #expect(Localizer.coarseAntennaStride(configured: 0, antennas: ula(16, spacing: l / 2), wavelength: l) == 2)
        #expect(Localizer.coarseAntennaStride(configured: 0, antennas: ula(17, spacing: l / 2), wavelength: l) == 2)
        #expect(Localizer.coarseAntennaStride(configured: 0, antennas: ula(15, spacing: l / 2), wavelength: l) == 1)
        #expect(Localizer.coarseAntennaStride(configured: 0, antennas: ula(16, spacing: 0.6 * l), wavelength: l) == 1)
        var gap = ula(16, spacing: l / 2)
        for j in 9..<16 { gap[j].y += 0.2 * l } // one kept pair 1.2 λ₀ apart
        #expect(Localizer.coarseAntennaStride(configured: 0, antennas: gap, wavelength: l) == 1)
        #expect(Localizer.coarseAntennaStride(configured: 3, antennas: ula(8, spacing: l), wavelength: l) == 3)
        // Coordinates stored in Float32 (NPZ files) are λ₀/2 apart to ~10⁻⁷: still every other antenna. A planar
        // 4 × 4 array in row order keeps every other column (each kept antenna λ₀ from the nearest kept one); at
        // 0.6 λ₀ spacing it keeps all.
        let rounded = ula(16, spacing: l / 2).map { Point3(Double(Float($0.x)), Double(Float($0.y * 1.0000002)), 3) }
        #expect(Localizer.coarseAntennaStride(configured: 0, antennas: rounded, wavelength: l) == 2)
        let planar = (0..<16).map { Point3(0, Double($0 % 4) * l / 2, 3 + Double($0 / 4) * l / 2) }
        #expect(Localizer.coarseAntennaStride(configured: 0, antennas: planar, wavelength: l) == 2)
        let sparse = (0..<16).map { Point3(0, Double($0 % 4) * 0.6 * l, 3 + Double($0 / 4) * 0.6 * l) }
        #expect(Localizer.coarseAntennaStride(configured: 0, antennas: sparse, wavelength: l) == 1)
        // A line is a line in any direction and order: the gap rule, not the nearest-neighbour one, applies.
        let diagonal = ula(16, spacing: l / 2).map { Point3($0.y, $0.y, 3 + $0.y) / 3.0.squareRoot() + Point3(0, 0, 2) }
        #expect(
            ArrayAxis(antennas: diagonal, tolerance: 1e-9) != nil && ArrayAxis(antennas: planar, tolerance: 1e-9) == nil
        )
        #expect(Localizer.coarseAntennaStride(configured: 0, antennas: diagonal, wavelength: l) == 2)
        // The default localizer over a 16-element half-wavelength array scores its coarse lattice on 8 antennas.
        let scene = ArrayAxisTests.scene3D(), sim = ChannelSimulator(scene: scene)
        let loc = Localizer(model: sim, region: scene.ueRegion, configuration: LocalizerConfiguration())
        #expect(loc.spanLevels.count == 2 && loc.spanLevels.last?.antennas == 8)
        #expect(loc.spanLevels.last?.subcarriers == sim.subcarrierCount)
    }

    /// The span stage's batch shrinks with the channel (its Float32 channels stay ≤ 192 kB, its scratch small for
    /// large arrays) and always holds a node of 8 channels; the scratch is sized by it.
    @Test func spanBatchShrinksWithTheChannel() {
        #expect(LocalizerScratch.spanPoints(entries: 256) == 96)
        #expect(LocalizerScratch.spanPoints(entries: 1024) == 24)
        #expect(LocalizerScratch.spanPoints(entries: 32 * 4096) == 8)
        #expect(LocalizerScratch.spanPoints(entries: 0) == 96)
        let scene = ArrayAxisTests.scene3D(), sim = ChannelSimulator(scene: scene)
        let l = Localizer(model: sim, region: scene.ueRegion, configuration: LocalizerConfiguration())
        let s = l.makeScratch(), entries = sim.antennaCount * sim.subcarrierCount
        let points = LocalizerScratch.spanPoints(entries: entries)
        #expect(s.spanRe.count == points * entries && s.spanBatch.count == points)
        #expect(s.values.count >= points * sim.valuesPerChannel && s.candidates.count > points)
    }

    /// A Levenberg–Marquardt run stopped at an iteration cap and resumed from its state follows the uncapped run
    /// exactly (same end point to the bit, the same iterations and Jacobians in total) — also when the uncapped run
    /// itself ends at `maxIterations` without converging; runs that are not capped carry no state.
    @Test(arguments: [(NuisanceModel.none, 12), (.phaseGainAndTiming, 12), (.phaseGainAndTiming, 3)])
    func resumedRefinementIsTheUncappedOne(_ nuisance: NuisanceModel, maxIterations: Int) throws {
        let scene = ArrayAxisTests.scene3D(), sim = ChannelSimulator(scene: scene)
        var c = LocalizerConfiguration()
        c.nuisance = nuisance
        c.maxIterations = maxIterations
        let l = Localizer(model: sim, region: scene.ueRegion, configuration: c)
        let truth = Point3(0.12, -0.2, 1.1)
        let impaired = nuisance != NuisanceModel.none
        let h = SearchTestSupport.impaired(
            sim.channels(at: [truth]), gain: impaired ? 0.7 : 1, phase: impaired ? 2.1 : 0,
            timing: impaired ? 1.3e-9 : 0, frequencies: sim.frequencies)
        var s = l.makeScratch()
        h.withUnsafeBufferPointer { s.match.load($0) }
        let start = truth + Point3(0.009, -0.007, 0.011)
        let full = l.refine(from: start, record: false, &s)
        #expect(full.resume == nil)
        if maxIterations == 12 {
            #expect(full.converged && (full.position - truth).length < 1e-6)
        } else {
            #expect(!full.converged && full.iterations == maxIterations, "the short cap must cut the run off")
        }
        let capped = l.refine(from: start, record: false, iterationCap: 2, &s)
        let state = try #require(capped.resume)
        #expect(!capped.converged && capped.iterations == 2)
        let resumed = l.refine(from: capped.position, record: false, resuming: state, &s)
        #expect(resumed.position == full.position && resumed.cost == full.cost)
        #expect(resumed.converged == full.converged && resumed.iterations == full.iterations)
        #expect(capped.jacobianEvaluations + resumed.jacobianEvaluations == full.jacobianEvaluations)
        // A cap at or above maxIterations is no cap: no state.
        #expect(l.refine(from: start, record: false, iterationCap: c.maxIterations, &s).resume == nil)
    }
}
