import CSIChannel

extension Localizer {
    /// (g) The polish of a composite model's search (`LocalizerConfiguration.refineWithBase`): every refinement
    /// ran on the base (`refiner`), so the fix and its runner-up — the cheapest other refined minimum at least λ₀/2
    /// away, when there is one — are refined again with the full model, from the base's minima. The cheaper becomes
    /// the fix, and the kept minima become these two, so the runner-up test compares the full model's costs. Does
    /// nothing when the refinements already ran on the full model.
    func polish(
        _ x: inout Point3, _ cost: inout Double, _ result: inout RefinementResult?, _ stages: inout [StageReport],
        _ s: inout LocalizerScratch
    ) {
        guard polishes, configuration.refinement != .none, x.x.isFinite, x.y.isFinite, x.z.isFinite else { return }
        let t0 = ContinuousClock.now
        var report = StageReport(
            stage: .polish, candidates: 0, position: x, cost: cost, seconds: 0,
            valueEvaluations: 0, jacobianEvaluations: 0)
        var starts = [x]
        if let rival = runnerUp(to: x, s) { starts.append(rival.position) }
        s.minima.removeAll(keepingCapacity: true)
        var best: RefinementResult? = nil
        for start in starts {
            let r = refine(from: start, using: model, &s)
            report.candidates += r.iterations
            report.valueEvaluations += r.valueEvaluations; report.jacobianEvaluations += r.jacobianEvaluations
            if best == nil || r.cost < best!.cost || best!.cost.isNaN { best = r }
        }
        if let b = best { result = b; x = b.position; cost = b.cost }
        report.close(at: x, cost: cost, since: t0)
        stages.append(report)
    }
}
