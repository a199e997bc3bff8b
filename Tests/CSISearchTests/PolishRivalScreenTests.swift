import CSINumerics
import Foundation
import Testing

@testable import CSIChannel
@testable import CSISearch

/// The polish's runner-up screen (`LocalizerConfiguration.polishRivalScreen`, `Localizer.rivalNeedsPolish`): a
/// runner-up is refined on the full model only when its full-model cost at the base's minimum is within the screen's
/// multiple of the runner-up test's margin of the polished fix's cost.
@Suite struct PolishRivalScreenTests {
    static let scene = SearchTestSupport.multipath()
    /// A composite whose correction is 30 % of its channel (`ScoringBaseTests`), so the polish moves the costs.
    static func model() -> CompositeModel { CompositeModel(base: ChannelSimulator(scene: scene), weight: 0.3) }

    static func localizer(
        _ model: CompositeModel, screen: Double, nuisance: NuisanceModel = .none
    ) -> Localizer {
        var c = SearchMethod.robust.configuration
        c.nuisance = nuisance
        c.polishRivalScreen = screen
        return Localizer(model: model, region: scene.ueRegion, configuration: c, width: 1)
    }

    /// ‖H − f(x)‖², computed from the model's channel directly (no nuisance).
    static func cost(_ h: [Double], _ model: CompositeModel, at x: Point3) -> Double {
        let f = model.channels(at: [x])
        return zip(h, f).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }

    /// The decision and the cost it reports: the full model's cost at the runner-up (checked against the channel
    /// itself), and needed exactly when that cost exceeds the fix's by less than the screen × the larger of the
    /// margin and `rivalReduction` of that cost — tested
    /// with screens just below and just above the ratio this frame gives, and off (0: always needed).
    @Test func rivalIsPolishedExactlyWhenItsCostIsWithinTheScreen() throws {
        let model = Self.model()
        var rng = SeededGenerator(seed: 5)
        let truth = Point3(0.2, -0.1, 1)
        let frame = SearchTestSupport.noisy(model.channels(at: [truth]), snrDB: 20, rng: &rng)
        let probe = Self.localizer(model, screen: 2)
        var s = LocalizerScratch(probe)
        frame.withUnsafeBufferPointer { s.load(frame: $0) }
        let fixCost = Self.cost(frame, model, at: truth)
        let t = probe.noiseTest(at: truth, &s)
        let margin = Localizer.ambiguityMargin(
            fixCost: fixCost, noiseVariance: t.sigma2, expectedNoise: t.expected, residualDegrees: t.residualDegrees,
            sigmas: probe.configuration.runnerUpSigmas, alignment: probe.configuration.runnerUpAlignment)
        #expect(margin > 0)
        // A point whose cost exceeds the fix's by a few margins (a far one exceeds it by thousands at 20 dB).
        var rival = truth, ratio = 0.0
        for i in 0..<40 {
            rival = truth + Point3(0.002 * pow(1.3, Double(i)) * probe.wavelength, 0, 0)
            let c = Self.cost(frame, model, at: rival)
            ratio = (c - fixCost) / max(margin, Localizer.rivalReduction * c)
            if ratio > 3 { break }
        }
        let rivalCost = Self.cost(frame, model, at: rival)
        #expect(ratio > 3 && ratio < 50, "ratio \(ratio)")
        for (screen, needed) in [(0.9 * ratio, false), (1.1 * ratio, true), (0, true)] {
            let localizer = Self.localizer(model, screen: screen)
            var scratch = LocalizerScratch(localizer)
            frame.withUnsafeBufferPointer { scratch.load(frame: $0) }
            let r = localizer.rivalNeedsPolish(rival, fixCost: fixCost, at: truth, &scratch)
            #expect(r.needed == needed, "screen \(screen), ratio \(ratio)")
            if screen > 0 {
                #expect(abs(r.cost - rivalCost) <= 1e-9 * rivalCost, "\(r.cost) vs \(rivalCost)")
            }
        }
        // A fix whose cost is not a number screens nothing.
        let localizer = Self.localizer(model, screen: 2)
        #expect(localizer.rivalNeedsPolish(rival, fixCost: .nan, at: truth, &s).needed)
    }

    /// Noisy frames, phase-coherent at 10 dB and unsynchronised at 20 dB (common phase, gain and timing per frame):
    /// the screen changes no fix and no status, keeps a runner-up wherever refining found one, and the polish takes
    /// fewer full-model Jacobians.
    @Test func screenKeepsFixesAndStatusesWithFewerJacobians() {
        let model = Self.model()
        var rng = SeededGenerator(seed: 43)
        var truths = SeededGenerator(seed: 47)
        for nuisance in [NuisanceModel.none, .phaseGainAndTiming] {
            var jacobians: [Double: Int] = [0: 0, 2: 0]
            let off = Self.localizer(model, screen: 0, nuisance: nuisance)
            let on = Self.localizer(model, screen: 2, nuisance: nuisance)
            for _ in 0..<6 {
                let t = Point3(truths.nextUnit() - 0.5, truths.nextUnit() - 0.5, 1)
                var frame = model.channels(at: [t])
                if nuisance != .none {
                    frame = SearchTestSupport.impaired(
                        frame, gain: 0.5 + rng.nextUnit(), phase: 2 * .pi * rng.nextUnit(),
                        timing: 3e-9 * rng.nextUnit(), frequencies: model.frequencies)
                }
                frame = SearchTestSupport.noisy(frame, snrDB: nuisance == .none ? 10 : 20, rng: &rng)
                let a = off.localize(frame), b = on.localize(frame)
                #expect(a.position == b.position, "\(nuisance): \(a.position) vs \(b.position)")
                #expect(a.status == b.status && a.cost == b.cost)
                // A screened runner-up is kept (at its unrefined cost, above the fix's), so there is one whenever
                // refining found one.
                if a.runnerUp != nil { #expect(b.runnerUp != nil) }
                if let rb = b.runnerUp { #expect(rb.cost > b.cost) }
                for (screen, fix) in [(0.0, a), (2.0, b)] {
                    jacobians[screen]! += fix.stages.filter { $0.stage == .polish }.reduce(0) {
                        $0 + $1.jacobianEvaluations
                    }
                }
            }
            #expect(jacobians[2]! < jacobians[0]!, "\(nuisance): full-model Jacobians of the polish \(jacobians)")
        }
    }
}
