import CSIChannel

// The span stage's first refinement, screened (docs/localization.md, "UEs at any height"): its starts are the best
// points of several circles, most in wrong basins. A start in the truth's basin is already within a fraction of a
// wavelength of its minimum, where Gauss–Newton converges quadratically, so after a couple of iterations its cost
// ranks it among the cheapest; only those continue to convergence.
extension Localizer {
    /// Whether `count` starts of the first refinement are screened: with the span stage, a Levenberg–Marquardt
    /// refinement, a positive `arcSpanScreenIterations` and more starts than `arcSpanContinuedStarts`.
    func screensStarts(_ count: Int) -> Bool {
        spanLattice != nil && configuration.refinement == .levenbergMarquardt
            && configuration.arcSpanScreenIterations > 0 && count > configuration.arcSpanContinuedStarts
    }

    /// Every start refined for at most `arcSpanScreenIterations` iterations; the `arcSpanContinuedStarts` cheapest
    /// that have not converged, each ≥ λ₀/8 from those already continued, refined again to convergence. `result`
    /// becomes the cheapest end point of either round (NaN costs never win over numbers); converged end points
    /// of either round are kept for the runner-up test, screened ones that stopped at the cap are not (their cost
    /// is not a minimum's).
    func screenedRefinement(
        from starts: [Point3], _ result: inout RefinementResult?, _ report: inout StageReport,
        _ s: inout LocalizerScratch
    ) {
        func consider(_ r: RefinementResult, counted: Int = 0) {
            report.candidates += r.iterations - counted
            report.valueEvaluations += r.valueEvaluations; report.jacobianEvaluations += r.jacobianEvaluations
            if result == nil || r.cost < result!.cost || result!.cost.isNaN { result = r }
        }
        var screened: [RefinementResult] = []
        screened.reserveCapacity(starts.count)
        for start in starts {
            let r = refine(
                from: start, record: false, iterationCap: configuration.arcSpanScreenIterations, &s)
            if r.converged { recordMinimum(r, &s) }
            consider(r)
            screened.append(r)
        }
        // Cheapest predicted minimum first (the cost where there is no prediction); not a number last.
        func rank(_ r: RefinementResult) -> Double { Swift.min(r.predictedCost ?? r.cost, r.cost) }
        screened.sort { a, b in rank(a) < rank(b) || (rank(b).isNaN && !rank(a).isNaN) }
        let separation = wavelength / 8
        var continued: [Point3] = []
        var finished: [RefinementResult] = []
        for r in screened where !r.converged && continued.count < configuration.arcSpanContinuedStarts {
            guard continued.allSatisfy({ ($0 - r.position).length >= separation }) else { continue }
            continued.append(r.position)
            // Resumed where the screen stopped it (its linearisation there is not recomputed).
            let again = refine(from: r.position, resuming: r.resume, &s)
            consider(again, counted: r.resume?.iterations ?? 0) // a resumed run counts on from the screen's
            finished.append(again)
        }
        // A screened run that stopped at the cap can stay the cheapest by a hair when a continuation in its basin
        // (itself, or a start ≤ λ₀/8 from it that ranked first) converged at the same cost: the converged one is
        // the result — the same point, and a converged refinement, not one cut off.
        if let best = result, !best.converged, !best.cost.isNaN {
            let confirming = finished.filter {
                $0.converged && ($0.position - best.position).length < separation && $0.cost <= best.cost * (1 + 1e-9)
            }
            if let alternative = confirming.min(by: { $0.cost < $1.cost }) { result = alternative }
        }
    }
}
