import CSIChannel

/// The runner-up test of the fix status (docs/localization.md, "Uncertainty and status").
///
/// Every refinement of a search ends in a minimum of the cost (with a composite model refined on its base, the
/// minima kept are the polished fix and runner-up — unrefined where it clearly loses, `Localizer.polish`; the
/// ambiguity stage keeps a screened refinement that could not matter where it stopped, `ambiguitySearch`); the fix is
/// the cheapest. If another one, at least
/// λ₀/2 away, costs only a little more, the frame may not tell the two apart: for a correct fix x and a wrong
/// minimum w, with H = f(x) + e + n (model error e, noise n), C(w) − C(x) = D + 2 Re⟨f(x) − f(w), e + n⟩ with
/// D = ‖f(x) − f(w)‖². The noise term has standard deviation √(2Dσ²); the model-error term is at most
/// 2√(D·‖e‖²) and, for errors not shaped like the difference of two channels, a fraction ρ of that. The order is
/// decided when D exceeds k noise deviations (noise alone then swaps the two with probability Φ(−k)) and that share
/// of the model error, added in quadrature:
/// D > √D·√(2k²σ² + 4ρ²‖e‖²), i.e. D > 2k²σ² + 4ρ²‖e‖². The margin m = C(w) − C(x) estimates D and the fix's
/// cost above the noise's expectation estimates ‖e‖², so the fix is `ambiguous` when
/// m < 2k²σ² + 4ρ²·max(C(x) − E[noise], 0). (Adding the two bounds linearly instead flags a third of the good
/// fixes at 5 dB SNR, where the cost's own noise fluctuation passes for model error.) σ² is never taken above what
/// the fix's own residual allows, C(x)/(N − dof/2): a frame the fix explains to 10⁻¹⁶ has no noise to speak of,
/// whatever a small array's windowed angle–delay estimate reads into its paths' main lobes.
extension Localizer {
    /// The end point of a refinement, kept for the runner-up test (at most `LocalizerScratch.minimaCapacity`;
    /// beyond that a new minimum replaces the costliest kept one when it is cheaper). Costs that are not finite are
    /// not kept.
    func recordMinimum(_ r: RefinementResult, _ s: inout LocalizerScratch) {
        guard r.cost.isFinite, r.position.x.isFinite, r.position.y.isFinite, r.position.z.isFinite else { return }
        let minimum = RunnerUp(position: r.position, cost: r.cost)
        if s.minima.count < LocalizerScratch.minimaCapacity {
            s.minima.append(minimum)
            return
        }
        var worst = 0
        for i in s.minima.indices where s.minima[i].cost > s.minima[worst].cost { worst = i }
        if minimum.cost < s.minima[worst].cost { s.minima[worst] = minimum }
    }

    /// The cheapest refined minimum at least λ₀/2 from `position`, nil when there is none.
    func runnerUp(to position: Point3, _ s: LocalizerScratch) -> RunnerUp? {
        var best: RunnerUp? = nil
        let separation = wavelength / 2
        for m in s.minima where (m.position - position).length >= separation {
            if best == nil || m.cost < best!.cost { best = m }
        }
        return best
    }

    /// Whether a runner-up of cost `runnerUpCost` could have swapped places with a fix of cost `fixCost`:
    /// runnerUpCost − fixCost < `ambiguityMargin` (derivation above). A runner-up no costlier than the fix is
    /// ambiguous.
    static func isAmbiguous(
        fixCost: Double, runnerUpCost: Double, noiseVariance sigma2: Double, expectedNoise: Double,
        residualDegrees: Double, sigmas: Double, alignment: Double
    ) -> Bool {
        guard fixCost.isFinite, runnerUpCost.isFinite else { return false }
        let margin = runnerUpCost - fixCost
        guard margin > 0 else { return true }
        return margin
            < ambiguityMargin(
                fixCost: fixCost, noiseVariance: sigma2, expectedNoise: expectedNoise,
                residualDegrees: residualDegrees, sigmas: sigmas, alignment: alignment)
    }

    /// 2·sigmas²·σ² + 4·alignment²·max(fixCost − expectedNoise, 0): how much more than a fix of cost `fixCost` a
    /// runner-up must cost to be told apart from it, σ² the per-entry noise variance (at most
    /// `fixCost / residualDegrees`, the fix's own residual per complex entry) and `expectedNoise` the noise's
    /// expected share of the cost, `residualDegrees`·σ².
    static func ambiguityMargin(
        fixCost: Double, noiseVariance sigma2: Double, expectedNoise: Double, residualDegrees: Double,
        sigmas: Double, alignment: Double
    ) -> Double {
        let excess = Swift.max(fixCost - expectedNoise, 0)
        let noise = Swift.min(Swift.max(sigma2, 0), Swift.max(fixCost, 0) / Swift.max(residualDegrees, 0.5))
        return 2 * sigmas * sigmas * noise + 4 * alignment * alignment * excess
    }

    /// Whether a minimum that would cost about `cost` once refined could be cheaper than the fix (cost `fixCost` at
    /// `x`) or ambiguous with it: true unless it exceeds the fix's cost by at least `factor` × the larger of the
    /// runner-up test's margin (`ambiguityMargin`) and `rivalReduction` × `cost` — the estimate may then be off by
    /// 1/`factor` of the excess, and by `rivalReduction` of the cost itself, without changing the fix or its status.
    /// True when either cost is not a finite number.
    func couldMatter(
        cost: Double, fixCost: Double, at x: Point3, factor: Double = 2, _ s: inout LocalizerScratch
    ) -> Bool {
        guard cost.isFinite, fixCost.isFinite else { return true }
        let t = noiseTest(at: x, &s)
        let margin = Self.ambiguityMargin(
            fixCost: fixCost, noiseVariance: t.sigma2, expectedNoise: t.expected, residualDegrees: t.residualDegrees,
            sigmas: configuration.runnerUpSigmas, alignment: configuration.runnerUpAlignment)
        return cost - fixCost < factor * Swift.max(margin, Self.rivalReduction * cost)
    }

    /// The share of its own cost the rest of a refinement is assumed to remove at most (`couldMatter`: a runner-up's
    /// polish, `rivalNeedsPolish`; a screened refinement of the ambiguity stage): on the room hybrid, 2 000 runner-ups
    /// clean and at 20 dB, the full model's cost at the base minimum was at most 6 % above the refined one (90 %:
    /// 0.3 %).
    static let rivalReduction = 0.1
}
