import CSIChannel

extension Localizer {
    /// (g) The polish of a composite model's search (`LocalizerConfiguration.refineWithBase`): every refinement
    /// ran on the base (`refiner`), so the fix is refined again with the full model from the base's minimum, then
    /// its runner-up — the cheapest other base minimum at least λ₀/2 away; when its polish falls back within λ₀/2 of
    /// the polished fix, the next one, at most `polishRivals` tries. The cheaper of the two becomes the fix, and the
    /// kept minima become these two, so the runner-up test compares the full model's costs. A runner-up that loses
    /// clearly at its base minimum is not refined (`rivalNeedsPolish`). A full model that returns NaN at the fix
    /// keeps the base's result. Does nothing when the refinements ran on the full model.
    func polish(
        _ x: inout Point3, _ cost: inout Double, _ result: inout RefinementResult?, _ stages: inout [StageReport],
        _ s: inout LocalizerScratch
    ) {
        guard polishes, configuration.refinement != .none, x.x.isFinite, x.y.isFinite, x.z.isFinite else { return }
        let t0 = ContinuousClock.now
        var report = StageReport(
            stage: .polish, candidates: 0, position: x, cost: cost, seconds: 0,
            valueEvaluations: 0, jacobianEvaluations: 0)
        func count(_ r: RefinementResult) {
            report.candidates += r.iterations
            report.valueEvaluations += r.valueEvaluations; report.jacobianEvaluations += r.jacobianEvaluations
        }
        // The base's other minima, cheapest first, before they are replaced by polished ones.
        let separation = wavelength / 2
        let rivals = s.minima.filter { ($0.position - x).length >= separation }.sorted { $0.cost < $1.cost }
        s.minima.removeAll(keepingCapacity: true)
        let fix = polishRefinement(from: x, record: false, &s)
        count(fix)
        var best = fix
        if fix.cost.isNaN, let base = result, !base.cost.isNaN { best = base }
        recordMinimum(best, &s)
        for rival in rivals.prefix(Self.polishRivals) {
            // A runner-up that loses clearly stays unrefined at the full model's cost there, the last try (a base
            // minimum that the refinement would have taken back into the fix's basin, after which the next one was
            // tried, is kept as it is: it loses clearly either way); one nearer than λ₀/2 to the polished fix is
            // refined (it may fall back into the fix's basin).
            let screen =
                (rival.position - best.position).length >= separation
                ? rivalNeedsPolish(rival.position, fixCost: best.cost, at: best.position, &s)
                : (needed: true, cost: Double.nan, evaluated: false)
            if screen.evaluated { report.valueEvaluations += 1 }
            guard screen.needed else {
                recordMinimum(
                    RefinementResult(
                        position: rival.position, cost: screen.cost, nuisance: .init(), covariance: nil,
                        iterations: 0, converged: false, valueEvaluations: 1, jacobianEvaluations: 0), &s)
                break
            }
            let r = polishRefinement(from: rival.position, record: false, &s)
            count(r)
            recordMinimum(r, &s)
            let distinct = (r.position - best.position).length >= separation
            // A cheaper point becomes the fix (a distinct one swaps with it; the fix is then its runner-up).
            if r.cost < best.cost || (best.cost.isNaN && !r.cost.isNaN) { best = r }
            if distinct { break }
        }
        result = best; x = best.position; cost = best.cost
        report.close(at: x, cost: cost, since: t0)
        stages.append(report)
    }

    /// Whether the runner-up whose base minimum is `w` could, once refined on the full model, be ambiguous with the
    /// polished fix (cost `fixCost` at `x`) or cheaper than it, and the full model's cost at `w` (one value, the
    /// nuisance fitted in closed form; `evaluated` when it was taken): needed unless that cost C₀ exceeds the fix's
    /// by at least `polishRivalScreen` × the larger of the runner-up test's margin (`ambiguityMargin`) and
    /// `rivalReduction` × C₀ — so that a refinement removing less than 1/`polishRivalScreen` of the excess, and less
    /// than `rivalReduction` of C₀ itself, leaves the runner-up unambiguous and costlier than the fix. Always
    /// needed when the screen is off (0), or when either cost is not a finite number.
    func rivalNeedsPolish(
        _ w: Point3, fixCost: Double, at x: Point3, _ s: inout LocalizerScratch
    ) -> (needed: Bool, cost: Double, evaluated: Bool) {
        let factor = configuration.polishRivalScreen
        guard factor > 0, fixCost.isFinite else { return (true, .nan, false) }
        evaluateValue(at: w, using: model, &s)
        let cost = s.value.withUnsafeBufferPointer { s.match.evaluate($0.baseAddress!) }.cost
        guard cost.isFinite else { return (true, cost, true) }
        return (couldMatter(cost: cost, fixCost: fixCost, at: x, factor: factor, &s), cost, true)
    }

    /// A refinement on the full model from `x`, the network's Jacobian reused within `polishJacobianReach`
    /// (`chordJacobian`): the result counts the full-model Jacobians taken as Jacobians and the steps that reused one
    /// as value evaluations (each took a full-model value and a base Jacobian).
    func polishRefinement(from x: Point3, record: Bool = true, _ s: inout LocalizerScratch) -> RefinementResult {
        s.chord.begin(valuesPerChannel: model.valuesPerChannel)
        var r = refine(from: x, using: model, record: record, &s)
        let reused = s.chord.reusedJacobians
        s.chord.end()
        r.jacobianEvaluations -= reused; r.valueEvaluations += reused
        return r
    }

    /// Base minima polished in turn until one stays distinct from the fix.
    static let polishRivals = 3
}
