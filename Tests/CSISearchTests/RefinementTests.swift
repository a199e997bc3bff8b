import CSIChannel
import CSINumerics
import Testing

@testable import CSISearch

@Suite struct RefinementTests {
    static let scene = SearchTestSupport.multipath()
    static let sim = ChannelSimulator(scene: scene)

    /// The gradient Jᵀr of the real-stacked residual matches central differences of the cost, with
    /// every nuisance parameter active: ∂C/∂p = −2 (Jᵀr).
    @Test func jacobianOfTheRefinementMatchesFiniteDifferences() {
        var c = LocalizerConfiguration(); c.nuisance = .phaseGainAndTiming
        let l = Localizer(model: Self.sim, region: Self.scene.ueRegion, configuration: c)
        var s = l.makeScratch()
        var rng = SeededGenerator(seed: 5)
        let h = SearchTestSupport.noisy(Self.sim.channels(at: [Point3(0.2, 0.1, 1)]), snrDB: 10, rng: &rng)
        h.withUnsafeBufferPointer { s.match.load($0) }
        let scale = s.match.omegaScale
        let p = [0.2031, 0.0987, 0.8, -0.3, 1.5e-9 * scale]
        let lin = l.linearize(p, tauScale: scale, &s)
        let steps = [1e-7, 1e-7, 1e-6, 1e-6, 1e-6]
        for i in 0..<p.count {
            var up = p, down = p
            up[i] += steps[i]; down[i] -= steps[i]
            let fd =
                (l.linearize(up, tauScale: scale, &s).cost - l.linearize(down, tauScale: scale, &s).cost)
                / (2 * steps[i])
            #expect(
                abs(fd - (-2 * lin.gradient[i])) <= 1e-5 * max(abs(fd), 1e-3 * lin.cost),
                "parameter \(i): fd \(fd), analytic \(-2 * lin.gradient[i])")
        }
    }

    @Test func gaussNewtonNeedsFewIterationsWhereGradientDescentNeedsMany() {
        let l = Localizer(model: Self.sim, region: Self.scene.ueRegion)
        var s = l.makeScratch()
        let x = Point3(-0.17, 0.24, 1)
        Self.sim.channels(at: [x]).withUnsafeBufferPointer { s.match.load($0) }
        let start = x + Point3(0.004, -0.003, 0)
        let lm = l.levenbergMarquardt(from: start, &s)
        let adam = l.gradientDescent(from: start, adam: true, &s)
        let gd = l.gradientDescent(from: start, adam: false, &s)
        #expect(lm.iterations <= 5)
        #expect(lm.converged)
        #expect(SearchTestSupport.horizontalError(lm.position, x) < 1e-9)
        #expect(adam.jacobianEvaluations >= 100)
        #expect(gd.jacobianEvaluations >= 100)
        #expect(SearchTestSupport.horizontalError(adam.position, x) > SearchTestSupport.horizontalError(lm.position, x))
        #expect(SearchTestSupport.horizontalError(adam.position, x) < 0.005)
    }

    /// The predicted covariance shrinks as noise falls (by ≈ √10 per 10 dB) and matches the empirical
    /// scatter of estimates on a LoS case within a factor of 2.
    @Test func covarianceShrinksWithSNRAndMatchesTheScatter() {
        let scene = SearchTestSupport.lineOfSight()
        let sim = ChannelSimulator(scene: scene)
        let l = Localizer(model: sim, region: scene.ueRegion)
        var s = l.makeScratch()
        let x = Point3(0.1, -0.2, 1)
        let clean = sim.channels(at: [x])
        var rng = SeededGenerator(seed: 42)
        var predicted: [Double] = []
        for snr in [10.0, 20.0, 30.0] {
            var sum = 0.0, sq = 0.0
            let n = snr == 20 ? 80 : 10
            for _ in 0..<n {
                SearchTestSupport.noisy(clean, snrDB: snr, rng: &rng).withUnsafeBufferPointer { s.match.load($0) }
                let r = l.levenbergMarquardt(from: x, &s)
                sum += r.covariance!.rmsError
                let e = SearchTestSupport.horizontalError(r.position, x)
                sq += e * e
            }
            predicted.append(sum / Double(n))
            if snr == 20 {
                let empirical = (sq / Double(n)).squareRoot()
                let ratio = empirical / (sum / Double(n))
                #expect(ratio > 0.5 && ratio < 2, "empirical RMS \(empirical) vs predicted \(sum / Double(n))")
            }
        }
        for i in 0..<2 {
            let shrink = predicted[i] / predicted[i + 1]
            #expect(shrink > 2 && shrink < 5, "predicted RMS \(predicted)")
        }
    }
}
