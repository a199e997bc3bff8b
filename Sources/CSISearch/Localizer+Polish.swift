import CSIChannel

extension Localizer {
    /// (g) The polish of a composite model's search (`LocalizerConfiguration.refineWithBase`): every refinement
    /// ran on the base (`refiner`), so the fix is refined again with the full model from the base's minimum, then
    /// its runner-up — the cheapest other base minimum at least λ₀/2 away; when its polish falls back within λ₀/2 of
    /// the polished fix, the next one, at most `polishRivals` tries. The cheaper of the two becomes the fix, and the
    /// kept minima become these two, so the runner-up test compares the full model's costs. A full model that
    /// returns NaN at the fix keeps the base's result. Does nothing when the refinements ran on the full model.
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
