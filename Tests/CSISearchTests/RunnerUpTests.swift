import CSIChannel
import CSINumerics
import Foundation
import Testing

@testable import CSISearch

/// The runner-up test of the fix status (`ambiguous`; docs/localization.md, "Uncertainty and status").
@Suite struct RunnerUpTests {
    /// The bound's noise term: for a correct fix x and another point w, C(w) − C(x) = D + 2 Re⟨f(x) − f(w), n⟩ has
    /// standard deviation √(2Dσ²) (σ² per complex entry). Checked by Monte Carlo on random channels.
    @Test func marginNoiseDeviationIsSqrtTwoDSigmaSquared() {
        var rng = SeededGenerator(seed: 11)
        let entries = 128
        let fx = (0..<(2 * entries)).map { _ in rng.nextGaussian() }
        let fw = (0..<(2 * entries)).map { _ in rng.nextGaussian() }
        let d = zip(fx, fw).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let sigma2 = 0.3
        let draws = 4000
        var margins: [Double] = []
        for _ in 0..<draws {
            let h = fx.map { $0 + (sigma2 / 2).squareRoot() * rng.nextGaussian() }
            let cx = zip(h, fx).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            let cw = zip(h, fw).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            margins.append(cw - cx)
        }
        let mean = margins.reduce(0, +) / Double(draws)
        let sd = (margins.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws - 1)).squareRoot()
        #expect(abs(mean - d) < 4 * (2 * d * sigma2 / Double(draws)).squareRoot(), "mean \(mean) vs D \(d)")
        #expect(abs(sd / (2 * d * sigma2).squareRoot() - 1) < 0.05, "sd \(sd) vs \((2 * d * sigma2).squareRoot())")
        // At the noise-only bound m = 2k²σ² the margin is exactly k such deviations.
        let k = 4.0, m = 2 * k * k * sigma2
        #expect(abs(m / (2 * m * sigma2).squareRoot() - k) < 1e-12)
    }

    /// The decision around its bound m = 2k²σ² + 4ρ²·max(C − E[noise], 0).
    @Test func ambiguityBound() {
        func ambiguous(_ fix: Double, _ runnerUp: Double, alignment: Double = 0.3) -> Bool {
            Localizer.isAmbiguous(
                fixCost: fix, runnerUpCost: runnerUp, noiseVariance: 1, expectedNoise: 100, residualDegrees: 100,
                sigmas: 4, alignment: alignment)
        }
        // At the noise's expectation only the noise term counts: 2·16·1 = 32.
        #expect(ambiguous(100, 131.9) && !ambiguous(100, 132.1))
        // Below it σ² is bounded by the fix's own residual, 90/100 per entry: 28.8.
        #expect(ambiguous(90, 118.7) && !ambiguous(90, 118.9))
        // A frame the fix explains exactly has no noise to speak of.
        #expect(!ambiguous(1e-16, 1e-6))
        // 100 of excess adds 4·0.09·100 = 36.
        #expect(ambiguous(200, 267.9) && !ambiguous(200, 268.1))
        #expect(!ambiguous(200, 232.1, alignment: 0))
        // A runner-up no costlier than the fix is ambiguous; costs that are not numbers decide nothing.
        #expect(ambiguous(200, 200) && ambiguous(200, 150))
        #expect(!ambiguous(.nan, 300) && !ambiguous(200, .infinity))
    }

    /// A line array measures no side: with the direct path only, a point and its mirror image through the vertical
    /// plane of the array axis give the same channel. From two global starts the search refines both, and the fix
    /// is `ambiguous` with the mirror image as its runner-up; without the test it would be `converged`.
    @Test func mirrorImageOfALineArrayIsAmbiguous() throws {
        let lambda = SearchTestSupport.wavelength
        let scene = Scene(
            name: "mirror",
            array: .ula(count: 8, spacing: lambda / 2, center: Point3(0, 0, 3), axis: Point3(0, 1, 0)),
            subcarriers: SubcarrierPlan(carrier: SearchTestSupport.f0, bandwidth: 100e6, count: 8), planes: [],
            maxReflectionOrder: 0, ueRegion: Region(x: -1.5...1.5, y: -0.8...0.8, z: 1...1))
        let sim = ChannelSimulator(scene: scene)
        var c = LocalizerConfiguration()
        c.globalStarts = 2
        let truth = Point3(0.9, 0.2, 1)
        var rng = SeededGenerator(seed: 4)
        let h = SearchTestSupport.noisy(sim.channels(at: [truth]), snrDB: 30, rng: &rng)
        let fix = Localizer(model: sim, region: scene.ueRegion, configuration: c).localize(h)
        let r = try #require(fix.runnerUp, "no runner-up refined")
        #expect(fix.status == .ambiguous, "\(fix.status)")
        #expect(min((fix.position - truth).length, (r.position - truth).length) < lambda / 20)
        let mirror = Point3(-fix.position.x, fix.position.y, fix.position.z)
        #expect((r.position - mirror).length < lambda / 20, "runner-up \(r.position) vs mirror \(mirror)")
        #expect(abs(r.cost - fix.cost) <= 1e-6 * fix.cost + 1e-12)
        #expect(FixStatus.ambiguous.isFlagged)
        c.flagAmbiguous = false
        let plain = Localizer(model: sim, region: scene.ueRegion, configuration: c).localize(h)
        #expect(plain.status == .converged && plain.runnerUp != nil)
    }

    /// Where the multipath makes the map one to one, correct fixes at 40 dB are not `ambiguous`: any refined
    /// runner-up costs far more than the bound.
    @Test func correctFixesOfAWellPosedSceneAreNotAmbiguous() {
        let scene = SearchTestSupport.multipath()
        let sim = ChannelSimulator(scene: scene)
        let localizer = Localizer(model: sim, region: scene.ueRegion)
        var rng = SeededGenerator(seed: 8)
        var correct = 0
        for x in PositionSampler.uniform(in: scene.ueRegion, count: 12, seed: 21) {
            let h = SearchTestSupport.noisy(sim.channels(at: [x]), snrDB: 40, rng: &rng)
            let fix = localizer.localize(h)
            guard (fix.position - x).length < SearchTestSupport.wavelength / 10 else { continue }
            correct += 1
            #expect(fix.status != .ambiguous, "\(x): runner-up \(String(describing: fix.runnerUp)), cost \(fix.cost)")
            if let r = fix.runnerUp {
                #expect(r.cost - fix.cost > 2 * 16 * fix.noiseVariance)
            }
        }
        #expect(correct >= 9)
    }

    /// The scratch keeps at most `minimaCapacity` minima, the cheapest ones; costs that are not finite are not kept.
    @Test func keptMinimaAreBoundedAndCheapest() {
        let scene = SearchTestSupport.lineOfSight()
        let localizer = Localizer(model: ChannelSimulator(scene: scene), region: scene.ueRegion)
        var s = localizer.makeScratch()
        var rng = SeededGenerator(seed: 2)
        var costs: [Double] = []
        for i in 0..<200 {
            let cost = abs(rng.nextGaussian()) + 0.001 * Double(i)
            costs.append(cost)
            localizer.recordMinimum(
                RefinementResult(
                    position: Point3(Double(i), 0, 1), cost: cost, nuisance: .init(), covariance: nil, iterations: 1,
                    converged: true, valueEvaluations: 0, jacobianEvaluations: 0), &s)
        }
        localizer.recordMinimum(
            RefinementResult(
                position: Point3(-1, 0, 1), cost: .nan, nuisance: .init(), covariance: nil, iterations: 1,
                converged: false, valueEvaluations: 0, jacobianEvaluations: 0), &s)
        #expect(s.minima.count == LocalizerScratch.minimaCapacity)
        #expect(s.minima.map(\.cost).sorted() == Array(costs.sorted().prefix(LocalizerScratch.minimaCapacity)))
        // The runner-up of a point is the cheapest kept minimum at least λ₀/2 from it.
        let cheapest = s.minima.min { $0.cost < $1.cost }!
        #expect(localizer.runnerUp(to: Point3(cheapest.position.x + 0.5, 0, 1), s)?.cost == cheapest.cost)
        let r = localizer.runnerUp(to: cheapest.position, s)
        #expect(r != nil && r!.position != cheapest.position)
    }
}
