import CSINumerics
import Testing

@testable import CSIChannel
@testable import CSISearch

/// The polish's reused network Jacobian (`LocalizerConfiguration.polishJacobianReach`, `PolishChord`), on a
/// composite whose correction is strong (30 % of the base's channel 3 cm away), so a wrong network Jacobian would
/// move the fixes.
@Suite struct PolishChordTests {
    /// The direct path and wall reflections: their relative delays fix the range when the frame's own timing
    /// offset is unknown.
    static let scene = SearchTestSupport.multipath()
    /// A fresh composite per test (its Jacobian counter is the test's own).
    static func model() -> CompositeModel { CompositeModel(base: ChannelSimulator(scene: scene), weight: 0.3) }

    static func localizer(_ model: CompositeModel, reach: Double, nuisance: NuisanceModel = .none) -> Localizer {
        var c = SearchMethod.robust.configuration
        c.nuisance = nuisance
        c.polishJacobianReach = reach
        return Localizer(model: model, region: scene.ueRegion, configuration: c, width: 1)
    }

    static func truths(seed: UInt64) -> [Point3] {
        var rng = SeededGenerator(seed: seed)
        return (0..<6).map { _ in Point3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, 1) }
    }

    /// Noiseless channels of the composite: the fix is the truth to 10⁻⁶ m with the reused Jacobian too (its
    /// residual is zero there, a fixed point of any Jacobian), with fewer full-model Jacobians than exact steps take;
    /// the polish counts the reused steps as values.
    @Test func noiselessFixesStayExactWithFewerFullJacobians() {
        let model = Self.model()
        var jacobians: [Double: Int] = [:], polishValues: [Double: Int] = [:]
        for reach in [0, 0.01] {
            let localizer = Self.localizer(model, reach: reach)
            let before = model.jacobians.value
            var values = 0
            for t in Self.truths(seed: 31) {
                let frame = model.channels(at: [t]), taken = model.jacobians.value
                let fix = localizer.localize(frame)
                #expect((fix.position - t).length < 1e-6, "reach \(reach): \(fix.position) vs \(t)")
                // Only the polish takes the composite's own Jacobians, and it reports each one it took.
                let polish = fix.stages.filter { $0.stage == .polish }
                values += polish.reduce(0) { $0 + $1.valueEvaluations }
                if !fix.stages.contains(where: { $0.stage == .widened }) {
                    #expect(polish.reduce(0) { $0 + $1.jacobianEvaluations } == model.jacobians.value - taken)
                }
            }
            jacobians[reach] = model.jacobians.value - before
            polishValues[reach] = values
        }
        #expect(jacobians[0.01]! < jacobians[0]!, "full-model Jacobians \(jacobians)")
        #expect(polishValues[0.01]! > polishValues[0]!)
    }

    /// The Jacobian itself: at the first step the full model's (and the anchor set there); within the reach the
    /// base's at the new point plus the full-minus-base difference taken at the anchor, the anchor kept; past it the
    /// full model's again, at a new anchor. Values are always the full model's.
    @Test func reusedJacobianIsTheBasesPlusTheAnchorsDifference() {
        let model = Self.model()
        let localizer = Self.localizer(model, reach: 0.01)
        var s = LocalizerScratch(localizer)
        let n = model.valuesPerChannel, lambda = localizer.wavelength
        let anchor = Point3(0.1, -0.2, 1)
        s.chord.begin(valuesPerChannel: n)
        localizer.evaluateJacobian(at: anchor, using: model, &s)
        let (fullValue, fullJacobian) = model.channelAndJacobian(at: anchor)
        #expect(s.chord.anchor == anchor && s.chord.exactJacobians == 1)
        #expect(s.value == fullValue && s.jacobian == fullJacobian)
        let (_, baseAtAnchor) = model.base.channelAndJacobian(at: anchor)
        // Within λ₀/100: base Jacobian here + (full − base) at the anchor.
        let near = anchor + Point3(0.004 * lambda, 0.005 * lambda, 0)
        localizer.evaluateJacobian(at: near, using: model, &s)
        let (nearValue, _) = model.channelAndJacobian(at: near)
        let (_, baseNear) = model.base.channelAndJacobian(at: near)
        #expect(s.chord.anchor == anchor && s.chord.reusedJacobians == 1)
        var worst = 0.0, scale = 0.0
        for i in 0..<(3 * n) {
            let expected = baseNear[i] + (fullJacobian[i] - baseAtAnchor[i])
            worst = max(worst, abs(s.jacobian[i] - expected)); scale = max(scale, abs(expected))
        }
        #expect(worst <= 1e-12 * scale, "reused Jacobian off by \(worst) of \(scale)")
        // The value by `evaluate` (the Jacobian path's value rounds differently): equal to the channel's rounding.
        let peak = nearValue.map(abs).max() ?? 0
        for i in 0..<n { #expect(abs(s.value[i] - nearValue[i]) <= 1e-12 * peak) }
        // Past the reach: the full model's Jacobian there, which becomes the anchor.
        let far = anchor + Point3(0.02 * lambda, 0, 0)
        localizer.evaluateJacobian(at: far, using: model, &s)
        let (_, fullFar) = model.channelAndJacobian(at: far)
        #expect(s.chord.anchor == far && s.chord.exactJacobians == 2 && s.jacobian == fullFar)
        s.chord.end()
        // Outside the polish every Jacobian is the model's own.
        localizer.evaluateJacobian(at: near, using: model, &s)
        let (_, fullNear) = model.channelAndJacobian(at: near)
        #expect(s.jacobian == fullNear && s.chord.reusedJacobians == 1)
    }

    /// Noisy, unsynchronised frames (20 dB, a common phase, gain and timing offset per frame): the fixes with the
    /// reused Jacobian are those of exact steps to a tenth of their own standard deviation — the reuse moves the
    /// stationary point by (JᵀJ)⁻¹ΔJᵀr, ΔJ the network Jacobian's change within λ₀/100 (≈ 2π/100 of the 30 %
    /// correction's), r the residual (the noise): a few percent of the noise's own displacement.
    @Test func unsynchronisedNoisyFixesMatchExactSteps() {
        let model = Self.model()
        let exact = Self.localizer(model, reach: 0, nuisance: .phaseGainAndTiming)
        let reused = Self.localizer(model, reach: 0.01, nuisance: .phaseGainAndTiming)
        var rng = SeededGenerator(seed: 37)
        for t in Self.truths(seed: 41) {
            let clean = model.channels(at: [t])
            let frame = SearchTestSupport.noisy(
                SearchTestSupport.impaired(
                    clean, gain: 0.5 + rng.nextUnit(), phase: 2 * .pi * rng.nextUnit(), timing: 3e-9 * rng.nextUnit(),
                    frequencies: model.frequencies),
                snrDB: 20, rng: &rng)
            let a = exact.localize(frame), b = reused.localize(frame)
            #expect((a.position - t).length < exact.wavelength / 4, "exact steps: \(a.position) vs \(t)")
            let sigma = a.covariance?.rmsError ?? 0
            #expect(
                (a.position - b.position).length <= 0.1 * sigma,
                "reused \(b.position) vs exact \(a.position): \((a.position - b.position).length) m, σ \(sigma) m")
        }
    }
}
