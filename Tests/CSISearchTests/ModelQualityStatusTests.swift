import CSIChannel
import CSINumerics
import Foundation
import Testing

@testable import CSISearch

/// The fix status with a model quality map (docs/localization.md, "Uncertainty and status"), on a case where the
/// test controls the model error: the model is the exact simulator; the frames are the simulator's channel plus,
/// in the right half of the region (x > 0), a known structured error — the channel of a fixed far point scaled to
/// ε = −20 dB of the frame's energy (an unmodelled path: sparse in angle and delay, so the noise estimate does not
/// absorb it) — plus white noise at a known 30 dB SNR.
@Suite struct ModelQualityStatusTests {
    static let scene = SearchTestSupport.multipath()
    static let sim = ChannelSimulator(scene: scene)
    static let epsilon = 0.01
    static let snrDB = 30.0
    static let intruder = sim.channels(at: [Point3(2.5, -3, 1.5)])

    /// The error-free channel at `x` plus the region's model error (none for x ≤ 0).
    static func frameWithoutNoise(at x: Point3) -> [Double] {
        let h = sim.channels(at: [x])
        guard x.x > 0 else { return h }
        let eh = h.reduce(0) { $0 + $1 * $1 }, ew = intruder.reduce(0) { $0 + $1 * $1 }
        let a = (epsilon * eh / ew).squareRoot()
        return zip(h, intruder).map { $0 + a * $1 }
    }

    /// The quality map a trainer would record: per-sample NMSE ‖H − f(x)‖²/‖H‖² on a validation grid, computed here
    /// directly from the frames.
    static func map() -> ModelQualityMap {
        let r = scene.ueRegion
        let positions = PositionSampler.uniform(in: r, count: 400, seed: 3)
        let ratios = positions.map { x -> Double in
            let h = frameWithoutNoise(at: x), f = sim.channels(at: [x])
            return zip(h, f).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / h.reduce(0) { $0 + $1 * $1 }
        }
        return ModelQualityMap.build(
            positions: positions, ratios: ratios, lower: Point3(r.x.lowerBound, r.y.lowerBound, 1),
            upper: Point3(r.x.upperBound, r.y.upperBound, 1))!
    }

    static func configuration() -> LocalizerConfiguration {
        var c = LocalizerConfiguration()
        // The noise level is known (the test sets it): σ² per complex entry at 30 dB below the mean energy.
        let mean =
            PositionSampler.uniform(in: scene.ueRegion, count: 50, seed: 9)
            .map { sim.channels(at: [$0]).reduce(0) { $0 + $1 * $1 } }.reduce(0, +) / 50
        c.noiseFloor = .variance(mean / Double(sim.antennaCount * sim.subcarrierCount) / fromDecibels(snrDB))
        return c
    }

    static func frames(count: Int, region: Region, seed: UInt64) -> [(Point3, [Double])] {
        var rng = SeededGenerator(seed: seed)
        let c = configuration()
        guard case .variance(let v) = c.noiseFloor else { return [] }
        return PositionSampler.uniform(in: region, count: count, seed: seed).map { x in
            (x, frameWithoutNoise(at: x).map { $0 + (v / 2).squareRoot() * rng.nextGaussian() })
        }
    }

    @Test func theMapRecordsTheControlledErrorWhereItIs() {
        let m = Self.map()
        // Cells wholly left of x = 0 see no error; cells wholly right of it see ε (up to the cross term with the channel).
        for k in 0..<m.cellCount {
            let c = m.center(k % m.shape[0], k / m.shape[0], 0)
            if c.x + m.cell[0] / 2 <= 0 && m.samples[k] >= 20 { #expect(m.nmse[k] < 1e-20) }
            if c.x - m.cell[0] / 2 >= 0 {
                #expect(abs(decibels(m.nmse[k]) - decibels(Self.epsilon)) < 1.5, "cell \(k): \(decibels(m.nmse[k])) dB")
            }
        }
    }

    @Test func correctFixesOnThePoorRegionAreNotFlaggedWithTheMapButAreWithout() {
        let right = Region(x: 0.16...0.6, y: -0.6...0.6, z: 1...1)
        let frames = Self.frames(count: 12, region: right, seed: 21)
        let with = Localizer(
            model: Self.sim, region: Self.scene.ueRegion, configuration: Self.configuration(), quality: Self.map())
        let without = Localizer(model: Self.sim, region: Self.scene.ueRegion, configuration: Self.configuration())
        var flaggedWithout = 0
        for (x, h) in frames {
            let a = with.localize(h), b = without.localize(h)
            #expect(
                SearchTestSupport.horizontalError(a.position, x) < SearchTestSupport.wavelength / 4,
                "truth \(x), fix \(a.position)")
            #expect(!a.status.isFlagged, "truth \(x): \(a.status), cost \(a.cost) vs threshold \(a.costThreshold)")
            #expect(a.modelNMSE.map { abs(decibels($0) - decibels(Self.epsilon)) < 3 } == true)
            if b.status == .grossErrorSuspected { flaggedWithout += 1 }
        }
        // The noise-only test sees the model error as a misfit: it flags these correct fixes.
        #expect(flaggedWithout == frames.count)
    }

    @Test func correctFixesOnTheGoodRegionStayTrustedAndWrongFixesAreFlaggedEverywhere() {
        let localizer = Localizer(
            model: Self.sim, region: Self.scene.ueRegion, configuration: Self.configuration(), quality: Self.map())
        for (x, h) in Self.frames(count: 8, region: Region(x: -0.6...(-0.16), y: -0.6...0.6, z: 1...1), seed: 22) {
            let fix = localizer.localize(h)
            #expect(SearchTestSupport.horizontalError(fix.position, x) < SearchTestSupport.wavelength / 4)
            #expect(fix.status == .converged, "truth \(x): \(fix.status)")
        }
        // Wrong fixes: the search is confined to a box the truth is not in, so whatever it returns is ≥ 0.3 m off —
        // on the poor side (the allowance for the model error is there) and on the good side.
        for (searched, truths) in [
            (Region(x: 0.35...0.6, y: -0.6...0.6, z: 1...1), Region(x: 0.05...0.05, y: -0.5...0.5, z: 1...1)),
            (Region(x: -0.6...(-0.35), y: -0.6...0.6, z: 1...1), Region(x: -0.05...(-0.05), y: -0.5...0.5, z: 1...1)),
        ] {
            var c = Self.configuration()
            c.region = SearchRegion(searched)
            let confined = Localizer(
                model: Self.sim, region: Self.scene.ueRegion, configuration: c, quality: Self.map())
            for (x, h) in Self.frames(count: 6, region: truths, seed: 23) {
                let fix = confined.localize(h)
                #expect(SearchTestSupport.horizontalError(fix.position, x) > 0.25)
                #expect(
                    fix.status == .grossErrorSuspected,
                    "truth \(x), fix \(fix.position): cost \(fix.cost) vs \(fix.costThreshold)")
            }
        }
    }

    @Test func aRegionTooPoorToTrustMakesItsFixesModelUntrusted() {
        // The right half declared ambiguous (every validation fix there was a gross error).
        var map = Self.map()
        map.ambiguity = (0..<map.cellCount).map { map.center($0 % map.shape[0], $0 / map.shape[0], 0).x > 0 ? 1 : 0 }
        var c = Self.configuration()
        #expect(c.untrustedAmbiguity == 0.5)
        let localizer = Localizer(model: Self.sim, region: Self.scene.ueRegion, configuration: c, quality: map)
        for (x, h) in Self.frames(count: 4, region: Region(x: 0.2...0.6, y: -0.6...0.6, z: 1...1), seed: 24) {
            #expect(localizer.localize(h).status == .modelUntrusted, "truth \(x)")
        }
        for (x, h) in Self.frames(count: 4, region: Region(x: -0.6...(-0.2), y: -0.6...0.6, z: 1...1), seed: 25) {
            #expect(localizer.localize(h).status == .converged, "truth \(x)")
        }
        // With the map switched off, the status is the noise-only test's.
        c.modelQuality = false
        let off = Localizer(model: Self.sim, region: Self.scene.ueRegion, configuration: c, quality: map)
        for (_, h) in Self.frames(count: 2, region: Region(x: 0.2...0.6, y: -0.6...0.6, z: 1...1), seed: 26) {
            let fix = off.localize(h)
            #expect(fix.status == .grossErrorSuspected && fix.modelNMSE == nil)
        }
    }

    /// The widened search (f) runs for a fix that passes the status but costs more than the noise plus the model
    /// error's quantile at `widenedModelErrorSigmas`. The map is redrawn so that the poor region's error quantile is
    /// ε/10 at 0σ and 3ε at 2σ (log-spread ln 30 / 2): correct fixes there (cost ≈ ε‖H‖²) pass the status at
    /// `modelErrorSigmas` = 2 and are searched again at `widenedModelErrorSigmas` = 0, not at 2.
    @Test func theWidenedSearchRunsAboveTheModelErrorsLowerQuantile() {
        var map = Self.map()
        let spread = log(30.0) / 2
        var redrawn: [Int] = []
        for k in 0..<map.cellCount where map.center(k % map.shape[0], k / map.shape[0], 0).x > 0 {
            map.logSpread[k] = spread
            map.nmse[k] = Self.epsilon / 10 * exp(spread * spread / 2)
            redrawn.append(k)
        }
        let cell = redrawn[0]
        #expect(
            abs(ModelQualityMap.quantile(nmse: map.nmse[cell], logSpread: spread, sigmas: 0) - Self.epsilon / 10)
                < 1e-12)
        #expect(
            abs(ModelQualityMap.quantile(nmse: map.nmse[cell], logSpread: spread, sigmas: 2) - 3 * Self.epsilon) < 1e-12
        )
        let frames = Self.frames(count: 4, region: Region(x: 0.2...0.6, y: -0.6...0.6, z: 1...1), seed: 27)
        for sigmas in [0.0, 2.0] {
            var c = Self.configuration()
            #expect(c.modelErrorSigmas == 2 && c.widenOnSuspect)
            c.widenedModelErrorSigmas = sigmas
            let localizer = Localizer(model: Self.sim, region: Self.scene.ueRegion, configuration: c, quality: map)
            for (x, h) in frames {
                let fix = localizer.localize(h)
                let widened = fix.stages.contains { $0.stage == .widened }
                #expect(SearchTestSupport.horizontalError(fix.position, x) < SearchTestSupport.wavelength / 4)
                #expect(!fix.status.isFlagged, "truth \(x): \(fix.status), cost \(fix.cost) vs \(fix.costThreshold)")
                #expect(widened == (sigmas == 0), "truth \(x), widenedModelErrorSigmas \(sigmas)")
                #expect(fix.widenAdvised == (sigmas == 0))
            }
        }
    }
}
