import CSIChannel
import CSINumerics
import Foundation
import Testing

@testable import CSISearch

@Suite struct CircleMismatchMapTests {
    static let scene = SearchTestSupport.multipath()
    static let sim = ChannelSimulator(scene: scene)

    /// The bound is a statement about ‖n + d‖² for complex white noise n of any variance and a fixed d: checked by
    /// drawing it, at the variance that minimises the bound's derivation and at others, independently of the code.
    @Test func wrongFixCostBoundHoldsForAnyNoiseLevel() {
        var rng = SeededGenerator(seed: 3)
        let entries = 64, z = 4.0, w = 1.0
        let bound = CircleMismatchMap.wrongFixCostBound(
            mismatch: 0.05, signalEnergy: w / 0.05, modelError: 0,
            entries: entries, parameters: 0, sigmas: z)
        let n = Double(entries), a = n - z * n.squareRoot()
        #expect(abs(bound - w * (1 - z * z / (2 * a))) < 1e-12)
        // The worst σ of the derivation (aσ² − z√(2W)σ + W is smallest there), and a decade around it.
        let worst = z * (2 * w).squareRoot() / (2 * a)
        for sigma in [worst / 10, worst / 3, worst, 3 * worst, 10 * worst] {
            var d = (0..<(2 * entries)).map { _ in rng.nextGaussian() }
            let scale = (w / d.reduce(0) { $0 + $1 * $1 }).squareRoot()
            d = d.map { $0 * scale }
            var below = 0
            let draws = 20_000
            for _ in 0..<draws {
                var c = 0.0
                for i in 0..<(2 * entries) {
                    let v = d[i] + sigma / 2.0.squareRoot() * rng.nextGaussian()
                    c += v * v
                }
                if c < bound { below += 1 }
            }
            // Each noise term is held to z = 4 standard deviations: far fewer than 1 draw in 1 000 falls below.
            #expect(Double(below) / Double(draws) < 1e-3, "σ = \(sigma): \(below) of \(draws) below the bound")
        }
    }

    @Test func modelErrorAndDegenerateInputsLowerTheBound() {
        let plain = CircleMismatchMap.wrongFixCostBound(
            mismatch: 0.04, signalEnergy: 100, modelError: 0,
            entries: 128, parameters: 3, sigmas: 4)
        // A model error anti-aligned with the mismatch: ‖d + e‖² = (√W − √e)².
        let e = 1.0
        let withError = CircleMismatchMap.wrongFixCostBound(
            mismatch: 0.04, signalEnergy: 100, modelError: e,
            entries: 128, parameters: 3, sigmas: 4)
        #expect(abs(withError / plain - pow(2.0 - 1.0, 2) / 4) < 1e-12)
        #expect(
            CircleMismatchMap.wrongFixCostBound(
                mismatch: 0.04, signalEnergy: 100, modelError: 4,
                entries: 128, parameters: 3, sigmas: 4) == 0)
        // Too few entries for the bound, or nonsense: nothing is ruled out.
        #expect(
            CircleMismatchMap.wrongFixCostBound(
                mismatch: 0.04, signalEnergy: 100, modelError: 0,
                entries: 8, parameters: 3, sigmas: 4) == 0)
        #expect(
            CircleMismatchMap.wrongFixCostBound(
                mismatch: .nan, signalEnergy: 100, modelError: 0,
                entries: 128, parameters: 3, sigmas: 4) == 0)
        #expect(
            CircleMismatchMap.wrongFixCostBound(
                mismatch: .infinity, signalEnergy: 0, modelError: 0,
                entries: 128, parameters: 3, sigmas: 4) == 0)
    }

    /// The map's value at a cell is no larger than the mismatch of the spurious minima the circle stage reaches from
    /// any of the cell's samples, recomputed here point by point.
    @Test func mapHoldsTheSmallestSpuriousMismatchOfItsCells() {
        var c = LocalizerConfiguration()
        c.circleMapCellSize = 0.6
        let localizer = Localizer(model: Self.sim, region: Self.scene.ueRegion, configuration: c)
        let map = try! #require(localizer.circleMap)
        #expect(map.grid.nx == 2 && map.grid.ny == 2 && map.grid.nz == 1)
        #expect(map.mismatch.allSatisfy { $0 > 0 })
        #expect(map.mismatch.contains { $0.isFinite }, "the multipath scene has spurious circle minima")
        var s = localizer.makeScratch()
        let lo = Self.scene.ueRegion
        for (cell, value) in map.mismatch.enumerated() {
            let i = cell % 2, j = cell / 2
            var smallest = Double.infinity
            for sy in 0..<2 {
                for sx in 0..<2 {
                    let p = Point3(
                        lo.x.lowerBound + (Double(i) + (Double(sx) + 0.5) / 2) * 0.6,
                        lo.y.lowerBound + (Double(j) + (Double(sy) + 0.5) / 2) * 0.6, 1)
                    smallest = min(
                        smallest, localizer.spuriousCircleMismatch(at: p, want: 5, wavelength: localizer.wavelength, &s)
                    )
                }
            }
            #expect(value == smallest, "cell \(cell)")
        }
    }

    /// Skipping the circles changes no fix: the same frames searched with the circles always on end at the same
    /// positions (clean and at 20 dB), and on clean frames the circles ran on some frames only.
    @Test func adaptiveCirclesChangeNoFix() {
        var always = LocalizerConfiguration(); always.adaptiveCircles = false
        let adaptive = Localizer(model: Self.sim, region: Self.scene.ueRegion)
        let reference = Localizer(model: Self.sim, region: Self.scene.ueRegion, configuration: always)
        #expect(reference.circleMap == nil)
        var rng = SeededGenerator(seed: 5)
        var skipped = 0
        for (i, x) in PositionSampler.uniform(in: Self.scene.ueRegion, count: 24, seed: 9).enumerated() {
            let clean = Self.sim.channels(at: [x])
            let h = i % 2 == 0 ? clean : SearchTestSupport.noisy(clean, snrDB: 20, rng: &rng)
            let a = adaptive.localize(h), b = reference.localize(h)
            let ranCircles = a.stages.contains { $0.stage == .circles }
            // Where they ran, the two searches are the same computation.
            if !ranCircles { skipped += 1 } else { #expect(a.position == b.position) }
            #expect(
                SearchTestSupport.horizontalError(a.position, b.position) < SearchTestSupport.wavelength / 4,
                "frame \(i): adaptive \(a.position), always \(b.position)")
        }
        #expect(skipped > 0, "the circles never skipped on clean and 20 dB frames")
    }

    /// A fix at a spurious circle minimum — found here by scoring the circles around the truth and refining their
    /// best points, the frame being the truth's channel — never skips the circles, clean or at 20 dB; the truth does.
    @Test func aSpuriousFixNeverSkipsTheCircles() {
        let localizer = Localizer(model: Self.sim, region: Self.scene.ueRegion)
        var s = localizer.makeScratch()
        var rng = SeededGenerator(seed: 8)
        var spurious = 0
        for truth in PositionSampler.uniform(in: Self.scene.ueRegion, count: 8, seed: 12) {
            let clean = Self.sim.channels(at: [truth])
            var n = 0
            for o in localizer.circleOffsets
            where localizer.region.contains(truth + o, margin: localizer.wavelength / 2) {
                s.candidates[n] = truth + o; n += 1
            }
            clean.withUnsafeBufferPointer { s.match.load($0) }
            localizer.scoreCandidates(count: n, &s)
            let starts = localizer.distinctBest(count: n, want: 4, &s).map(\.position)
            let map = try! #require(localizer.circleMap)
            for h in [clean, SearchTestSupport.noisy(clean, snrDB: 20, rng: &rng)] {
                h.withUnsafeBufferPointer { s.match.load($0) }
                _ = localizer.globalStage(&s) // the frame's noise estimate, as a search has it
                for start in starts {
                    let r = localizer.refine(from: start, &s)
                    guard SearchTestSupport.horizontalError(r.position, truth) > localizer.wavelength / 4 else {
                        continue
                    }
                    spurious += 1
                    #expect(
                        localizer.circlesNeeded(at: r.position, cost: r.cost, &s),
                        "spurious fix \(r.position) of \(truth)")
                    // …because of the bound itself, not only the noise test.
                    let bound = CircleMismatchMap.wrongFixCostBound(
                        mismatch: map.mismatch(near: r.position), signalEnergy: s.match.energy - r.cost, modelError: 0,
                        entries: localizer.model.antennaCount * localizer.model.subcarrierCount,
                        parameters: localizer.parameterCount, sigmas: localizer.configuration.grossErrorSigmas)
                    #expect(r.cost >= bound, "spurious fix \(r.position): cost \(r.cost) below the bound \(bound)")
                }
                let atTruth = localizer.refine(from: truth, &s)
                if h == clean {
                    #expect(!localizer.circlesNeeded(at: atTruth.position, cost: atTruth.cost, &s), "truth \(truth)")
                }
            }
        }
        #expect(spurious >= 8, "too few spurious minima to test the rule")
    }

    /// The same for the ambiguity stage on unsynchronised frames (random phase, gain and timing; clean and 20 dB).
    @Test func adaptiveAmbiguityChangesNoFix() {
        let c = SearchMethod.robust.configuration(nuisance: .phaseGainAndTiming)
        var always = c; always.adaptiveAmbiguity = false
        let adaptive = Localizer(model: Self.sim, region: Self.scene.ueRegion, configuration: c)
        let reference = Localizer(model: Self.sim, region: Self.scene.ueRegion, configuration: always)
        #expect(adaptive.ambiguityMismatchMap != nil && reference.ambiguityMismatchMap == nil)
        var rng = SeededGenerator(seed: 6)
        var skipped = 0
        for (i, x) in PositionSampler.uniform(in: Self.scene.ueRegion, count: 12, seed: 10).enumerated() {
            let clean = SearchTestSupport.impaired(
                Self.sim.channels(at: [x]), gain: 0.5 + rng.nextUnit(),
                phase: 6 * rng.nextUnit(), timing: 4e-9 * (rng.nextUnit() - 0.5),
                frequencies: Self.sim.frequencies)
            let h = i % 2 == 0 ? clean : SearchTestSupport.noisy(clean, snrDB: 20, rng: &rng)
            let a = adaptive.localize(h), b = reference.localize(h)
            if !a.stages.contains(where: { $0.stage == .ambiguity }) {
                skipped += 1
            } else {
                #expect(a.position == b.position)
            }
            #expect(
                SearchTestSupport.horizontalError(a.position, b.position) < SearchTestSupport.wavelength / 8,
                "frame \(i): adaptive \(a.position), always \(b.position)")
        }
        #expect(skipped > 0, "the ambiguity stage never skipped")
    }

    @Test func validationBoundsTheMapAndLargeRegionsGetCoarserCells() throws {
        var c = LocalizerConfiguration()
        c.circleMapSamples = 0
        #expect(throws: LocalizerConfigurationError.self) {
            try c.validate(model: Self.sim, region: SearchRegion(Self.scene.ueRegion))
        }
        c.circleMapSamples = 2
        c.circleMapCellSize = -1
        #expect(throws: LocalizerConfigurationError.self) {
            try c.validate(model: Self.sim, region: SearchRegion(Self.scene.ueRegion))
        }
        let huge = SearchRegion(Region(x: -5000...5000, y: -5000...5000, z: 1...1))
        let grid = CircleMismatchMap.Grid(region: huge, cellSize: 1)
        #expect(grid.nx * grid.ny * grid.nz <= CircleMismatchMap.Grid.maxCells)
        #expect(Double(grid.nx) * grid.cellSize >= 10_000 && Double(grid.ny) * grid.cellSize >= 10_000)
    }
}
