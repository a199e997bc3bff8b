import CSIChannel
public import CSINumerics

extension Localizer {
    /// Localizes one measured channel (interleaved complex, antenna-major, 2·N_a·N_s Doubles) whose receiver
    /// reported `reportedSNRdB` (nil or NaN = unknown; see `LocalizerConfiguration.reportedSNR`).
    /// Pure apart from `scratch`, which must come from this localizer's `makeScratch()`.
    public func localize(
        _ channel: UnsafeBufferPointer<Double>, reportedSNRdB: Double? = nil, scratch s: inout LocalizerScratch
    ) -> Fix {
        requireValuesPerChannel(channel.count)
        s.load(frame: channel)
        s.minima.removeAll(keepingCapacity: true)
        s.reportedSNRdB = ReportedSNR.accepted(reportedSNRdB)
        let clock = ContinuousClock()
        var stages: [StageReport] = []
        stages.reserveCapacity(5)
        func seconds(_ t: ContinuousClock.Instant) -> Double {
            let d = clock.now - t
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        // (a) global grid: the best node, or the best few distinct ones
        var t0 = clock.now
        let g = globalStage(&s)
        stages.append(
            StageReport(
                stage: .global, candidates: g.scored, position: g.picks[0].position,
                cost: g.picks[0].score, seconds: seconds(t0), valueEvaluations: 0, jacobianEvaluations: 0))
        // (b) local grid, (c) first refinement, (c') arc — from each global pick; the lowest cost wins
        var x = g.picks[0].position, cost = Double.infinity
        var result: RefinementResult? = nil
        for (i, pick) in g.picks.enumerated() {
            var px = pick.position, pcost = Double.nan
            var presult: RefinementResult? = nil
            descend(from: &px, cost: &pcost, result: &presult, stages: &stages, &s)
            if i == 0 || pcost < cost || cost.isNaN { x = px; cost = pcost; result = presult }
        }
        // (d) circles, (e) second refinement of the best distinct candidates — where they could change the fix
        let runCircles = configuration.circles && circlesNeeded(at: x, cost: cost, &s)
        if runCircles {
            t0 = clock.now
            let c = circleStage(around: x, centerCost: cost, &s)
            stages.append(
                StageReport(
                    stage: .circles, candidates: c.scored, position: c.picks[0].position,
                    cost: c.picks[0].cost, seconds: seconds(t0), valueEvaluations: c.scored,
                    jacobianEvaluations: 0))
            if configuration.refinement != .none {
                t0 = clock.now
                var report = StageReport(
                    stage: .refine2, candidates: 0, position: x, cost: cost, seconds: 0,
                    valueEvaluations: 0, jacobianEvaluations: 0)
                var best: RefinementResult? = nil
                for pick in c.picks {
                    let r = refine(from: pick.position, &s)
                    report.candidates += r.iterations
                    report.valueEvaluations += r.valueEvaluations; report.jacobianEvaluations += r.jacobianEvaluations
                    if best == nil || r.cost < best!.cost || best!.cost.isNaN { best = r }
                }
                // Keep the first refinement's result if nothing beat it (its point was a candidate anyway).
                if let b = best, b.cost <= cost || result == nil { result = b; x = b.position; cost = b.cost }
                report.position = x; report.cost = cost; report.seconds = seconds(t0)
                stages.append(report)
            } else {
                x = c.picks[0].position; cost = c.picks[0].cost
            }
        }
        // (e') the circles and the second refinement may have moved the fix: its circle about the axis again
        if arrayAxis != nil && configuration.refinement != .none && runCircles {
            arcSearch(&x, &cost, &result, &stages, &s)
        }
        // (g) a composite model refined on its base: the fix and its runner-up polished with the full model
        polish(&x, &cost, &result, &stages, &s)
        var fix = finish(position: x, cost: cost, refinement: result, stages: stages, &s)
        // (f) a suspect fix: search again, wider, from several starts.
        if (fix.status == .grossErrorSuspected || fix.widenAdvised) && !widenedOffsets.isEmpty
            && configuration.refinement != .none
        {
            t0 = clock.now
            let w = localStage(around: g.picks[0].position, widened: true, &s)
            var report = StageReport(
                stage: .widened, candidates: w.scored, position: x, cost: cost, seconds: 0,
                valueEvaluations: w.scored, jacobianEvaluations: 0)
            var best: RefinementResult? = nil
            for pick in w.picks {
                // Polished minima are compared with each other: base minima are not kept for the runner-up test.
                let r = refine(from: pick.position, record: !polishes, &s)
                report.valueEvaluations += r.valueEvaluations; report.jacobianEvaluations += r.jacobianEvaluations
                if best == nil || r.cost < best!.cost || best!.cost.isNaN { best = r }
            }
            if polishes, let b = best, b.position.x.isFinite, b.position.y.isFinite, b.position.z.isFinite {
                best = polishRefinement(from: b.position, &s)
                report.valueEvaluations += best!.valueEvaluations
                report.jacobianEvaluations += best!.jacobianEvaluations
            }
            if let b = best, b.cost < cost || (cost.isNaN && !b.cost.isNaN) {
                result = b; x = b.position; cost = b.cost
            }
            report.position = x; report.cost = cost; report.seconds = seconds(t0)
            stages.append(report)
            fix = finish(position: x, cost: cost, refinement: result, stages: stages, &s)
        }
        return fix
    }

    /// Stages (b) local grid, (c) first refinement and (c') arc from a global pick `x`: on return `x`, `cost`
    /// and `result` hold the cheapest point found.
    func descend(
        from x: inout Point3, cost: inout Double, result: inout RefinementResult?, stages: inout [StageReport],
        _ s: inout LocalizerScratch
    ) {
        let clock = ContinuousClock()
        func seconds(_ t: ContinuousClock.Instant) -> Double {
            let d = clock.now - t
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        var starts: [Point3]
        // (b) local phase-sensitive grid
        var t0 = clock.now
        if spanLattice != nil {
            // (b') the span lattice in (axial, radial), then the circles of its best nodes
            let span = spanStage(around: x, &s)
            var report = StageReport(
                stage: .span, candidates: span.scored, position: span.picks[0].position, cost: span.picks[0].cost,
                seconds: 0, valueEvaluations: span.scored * (spanLattice?.samples ?? 0), jacobianEvaluations: 0)
            starts = []
            cost = .infinity
            for pick in span.picks {
                let a = arcScan(through: pick.position, want: max(1, configuration.arcSpanStartsPerCandidate), &s)
                report.valueEvaluations += a.scored
                for p in a.picks {
                    starts.append(p.position)
                    if p.cost < cost || cost.isNaN { x = p.position; cost = p.cost }
                }
            }
            report.position = x; report.cost = cost; report.seconds = seconds(t0)
            stages.append(report)
        } else if configuration.localGrid {
            let l = localStage(around: x, &s)
            x = l.picks[0].position; cost = l.picks[0].cost
            stages.append(
                StageReport(
                    stage: .local, candidates: l.scored, position: x, cost: cost,
                    seconds: seconds(t0), valueEvaluations: l.scored, jacobianEvaluations: 0))
            starts = l.picks.map(\.position)
        } else {
            s.candidates[0] = x
            scoreCandidates(count: 1, &s)
            cost = s.costs[0]
            starts = [x]
        }
        // (c) first refinement, from each of the local stage's picks; the lowest refined cost wins
        if configuration.refinement != .none {
            t0 = clock.now
            var report = StageReport(
                stage: .refine1, candidates: 0, position: x, cost: cost, seconds: 0,
                valueEvaluations: 0, jacobianEvaluations: 0)
            if screensStarts(starts.count) {
                screenedRefinement(from: starts, &result, &report, &s)
            } else {
                for start in starts {
                    let r = refine(from: start, &s)
                    report.candidates += r.iterations
                    report.valueEvaluations += r.valueEvaluations; report.jacobianEvaluations += r.jacobianEvaluations
                    if result == nil || r.cost < result!.cost || result!.cost.isNaN { result = r }
                }
            }
            if let r = result { x = r.position; cost = r.cost }
            report.position = x; report.cost = cost; report.seconds = seconds(t0)
            stages.append(report)
        }
        // (c') 3-D with a linear array: the circle about the array axis through the fix, its best distinct points
        // refined
        if arrayAxis != nil && configuration.refinement != .none {
            arcSearch(&x, &cost, &result, &stages, &s)
        }
        // (c'') the model's near-repeats around the fix
        if ambiguityMap != nil && ambiguityNeeded(at: x, cost: cost, &s) {
            ambiguitySearch(&x, &cost, &result, &stages, &s)
        }
        if spanAmbiguityMap != nil {
            spanAmbiguitySearch(&x, &cost, &result, &stages, &s)
        }
    }

    /// The ambiguity stage: refinements from the fix plus each near-repeat offset of its cell, repeated from each
    /// better point found (a fix two near-repeats away from the truth needs two steps), at most `ambiguityRounds`.
    func ambiguitySearch(
        _ x: inout Point3, _ cost: inout Double, _ result: inout RefinementResult?,
        _ stages: inout [StageReport], _ s: inout LocalizerScratch
    ) {
        guard let map = ambiguityMap else { return }
        let t0 = ContinuousClock.now
        var report = StageReport(
            stage: .ambiguity, candidates: 0, position: x, cost: cost, seconds: 0,
            valueEvaluations: 0, jacobianEvaluations: 0)
        let cap = configuration.refinement == .levenbergMarquardt ? configuration.ambiguityScreenIterations : 0
        for _ in 0..<max(1, configuration.ambiguityRounds) {
            let from = x
            for v in map.vectors(at: from) where region.contains(from + v, margin: wavelength / 2) {
                var r = refine(from: from + v, record: cap == 0, iterationCap: cap > 0 ? cap : nil, &s)
                report.valueEvaluations += r.valueEvaluations; report.jacobianEvaluations += r.jacobianEvaluations
                if cap > 0 {
                    // Screened: continued where its predicted minimum could matter, else kept where it stopped — for
                    // the runner-up test, which saw every one of these refinements before the screen (the span
                    // stage's screen keeps converged runs only: its starts are circle points, not this test's minima);
                    // its cost is then beyond the test's margin.
                    let predicted = Swift.min(r.predictedCost ?? r.cost, r.cost)
                    if let state = r.resume, couldMatter(cost: predicted, fixCost: cost, at: x, &s) {
                        r = refine(from: r.position, resuming: state, &s)
                        report.valueEvaluations += r.valueEvaluations
                        report.jacobianEvaluations += r.jacobianEvaluations
                    } else {
                        recordMinimum(r, &s)
                    }
                }
                report.candidates += 1
                if result == nil || r.cost < cost || cost.isNaN { result = r; x = r.position; cost = r.cost }
            }
            if x == from { break }
        }
        continueRefinement(&x, &cost, &result, &report, &s)
        report.close(at: x, cost: cost, since: t0)
        stages.append(report)
    }

    /// A start far from its basin's centre may stop at the iteration cap: continue from where it stopped (at most
    /// 3 more refinements, each kept only if it is no costlier).
    func continueRefinement(
        _ x: inout Point3, _ cost: inout Double, _ result: inout RefinementResult?, _ report: inout StageReport,
        _ s: inout LocalizerScratch
    ) {
        for _ in 0..<3 {
            guard let r = result, !r.converged, r.position == x else { break }
            let again = refine(from: x, &s)
            report.valueEvaluations += again.valueEvaluations; report.jacobianEvaluations += again.jacobianEvaluations
            guard again.cost <= cost else { break }
            result = again; x = again.position; cost = again.cost
        }
    }

    /// The arc stage and the refinement of its picks; keeps whichever result is cheapest.
    func arcSearch(
        _ x: inout Point3, _ cost: inout Double, _ result: inout RefinementResult?, _ stages: inout [StageReport],
        _ s: inout LocalizerScratch
    ) {
        let t0 = ContinuousClock.now
        let a = arcStage(around: x, centerCost: cost, &s)
        var report = StageReport(
            stage: .arc, candidates: a.scored, position: x, cost: cost, seconds: 0,
            valueEvaluations: a.scored, jacobianEvaluations: 0)
        for pick in a.picks where pick.position != x {
            let r = refine(from: pick.position, &s)
            report.valueEvaluations += r.valueEvaluations; report.jacobianEvaluations += r.jacobianEvaluations
            if result == nil || r.cost < cost || cost.isNaN { result = r; x = r.position; cost = r.cost }
        }
        report.close(at: x, cost: cost, since: t0)
        stages.append(report)
    }

    /// Runs the configured refinement on `refiner`; its end point is kept for the runner-up test unless `record` is
    /// false.
    func refine(
        from x: Point3, record: Bool = true, iterationCap: Int? = nil, resuming state: LevenbergMarquardtState? = nil,
        _ s: inout LocalizerScratch
    ) -> RefinementResult {
        refine(from: x, using: refiner, record: record, iterationCap: iterationCap, resuming: state, &s)
    }

    /// Runs the configured refinement on the model `evaluated`; its end point is kept for the runner-up test unless
    /// `record` is false. `iterationCap` bounds a Levenberg–Marquardt refinement's iterations below `maxIterations`;
    /// `state` resumes one that stopped at such a cap.
    func refine(
        from x: Point3, using evaluated: any ChannelModel, record: Bool = true, iterationCap: Int? = nil,
        resuming state: LevenbergMarquardtState? = nil, _ s: inout LocalizerScratch
    ) -> RefinementResult {
        let r: RefinementResult
        switch configuration.refinement {
        case .levenbergMarquardt:
            r = levenbergMarquardt(from: x, using: evaluated, iterationCap: iterationCap, resuming: state, &s)
        case .adam: r = gradientDescent(from: x, adam: true, using: evaluated, &s)
        case .gradientDescent: r = gradientDescent(from: x, adam: false, using: evaluated, &s)
        case .none:
            return RefinementResult(
                position: x, cost: .infinity, nuisance: .init(), covariance: nil,
                iterations: 0, converged: false, valueEvaluations: 0, jacobianEvaluations: 0)
        }
        if record { recordMinimum(r, &s) }
        return r
    }

    /// Noise level, residual ratio and status.
    func finish(
        position: Point3, cost: Double, refinement r: RefinementResult?, stages: [StageReport],
        _ s: inout LocalizerScratch
    ) -> Fix {
        let t = noiseTest(at: position, &s)
        let energy = s.match.energy
        let rival = runnerUp(to: position, s)
        let status: FixStatus
        // A cost that is not a number (a model that returns NaN there) is never trusted.
        if cost > t.costThreshold || cost.isNaN {
            status = .grossErrorSuspected
        } else if t.untrusted {
            status = .modelUntrusted
        } else if configuration.flagAmbiguous, let rival,
            Self.isAmbiguous(
                fixCost: cost, runnerUpCost: rival.cost, noiseVariance: t.sigma2, expectedNoise: t.expected,
                residualDegrees: t.residualDegrees, sigmas: configuration.runnerUpSigmas,
                alignment: configuration.runnerUpAlignment)
        {
            status = .ambiguous
        } else if r == nil {
            status = .onGrid
        } else if r!.converged {
            status = .converged
        } else {
            status = .notConverged
        }
        return Fix(
            position: position, covariance: r?.covariance, status: status, cost: cost,
            relativeResidual: energy > 0 ? cost / energy : 0, noiseRatio: cost / t.expected, noiseVariance: t.sigma2,
            noiseSource: t.source,
            modelNMSE: t.modelNMSE, costThreshold: t.costThreshold,
            widenAdvised: cost > t.widenThreshold || cost.isNaN,
            runnerUp: rival, nuisance: r?.nuisance ?? NuisanceEstimate(), stages: stages)
    }

    /// What a correct fix at `position` may cost for the frame loaded in `s.match`.
    struct NoiseTest {
        /// Per-entry noise variance, the expected noise residual (N − dof/2)σ² and its variance.
        var sigma2, expected, noiseVariance: Double
        /// Where σ² came from.
        var source: NoiseSource
        /// The model's local NMSE (when it records a quality map) and the model error allowed on top of the
        /// noise, in units of cost.
        var modelNMSE: Double?
        var allowed: Double
        var untrusted: Bool
        /// Above this a fix is flagged `gross-error-suspected`.
        var costThreshold: Double
        /// Above this the widened search (f) runs: the same test with the model error's quantile at
        /// `widenedModelErrorSigmas`.
        var widenThreshold: Double
        /// N − dof/2: the expected noise residual in units of σ².
        var residualDegrees: Double
    }

    func noiseTest(at position: Point3, _ s: inout LocalizerScratch) -> NoiseTest {
        let entries = Double(model.antennaCount * model.subcarrierCount)
        let energy = s.match.energy
        // A known SNR counts the noise in the measured energy: ‖H‖² = N(σ²·SNR + σ²).
        let sigma2: Double
        var source = NoiseSource.configured
        switch configuration.noiseFloor {
        case .variance(let v): sigma2 = v
        case .snrDB(let snr): sigma2 = energy * ReportedSNR.noiseShare(snrDB: snr) / entries
        case .estimated:
            let estimate =
                s.noiseEstimate
                ?? s.match.h.withUnsafeBufferPointer {
                    transform.noiseVariance(of: $0.baseAddress!, workspace: &s.workspace)
                }
            s.noiseEstimate = estimate
            // A report claiming more noise than twice the frame's own estimate (which, if anything, reads high) is
            // not believed.
            if reportedSNRApplies, let snr = s.reportedSNRdB {
                let reported = energy * ReportedSNR.noiseShare(snrDB: snr) / entries
                sigma2 = min(reported, 2 * estimate)
                source = reported <= 2 * estimate ? .reported : .reportCapped
            } else {
                sigma2 = estimate
                source = .estimated
            }
        }
        let dof = Double(parameterCount)
        let expected = max((2 * entries - dof) / 2 * sigma2, .leastNormalMagnitude)
        // What a correct fix leaves on top of the noise: the model's local error (an upper quantile of its NMSE
        // across positions) times the frame's energy, M. The cost is then a non-central χ²: mean
        // (N − dof/2)σ² + M, variance (N − dof/2)σ⁴ + 2σ²M (the second term: the noise's cross term with the model
        // error); flagged beyond `grossErrorSigmas` standard deviations. With M = 0 this is the noise-only test,
        // noiseRatio > 1 + grossErrorSigmas·√(2/(2N − dof)).
        var modelNMSE: Double? = nil, allowed = 0.0, widenAllowed = 0.0, untrusted = false
        if configuration.modelQuality, let q = quality, position.x.isFinite, position.y.isFinite, position.z.isFinite {
            let local = q.local(at: position)
            modelNMSE = local.nmse
            allowed =
                ModelQualityMap.quantile(
                    nmse: local.nmse, logSpread: local.logSpread, sigmas: configuration.modelErrorSigmas) * energy
            widenAllowed =
                ModelQualityMap.quantile(
                    nmse: local.nmse, logSpread: local.logSpread, sigmas: configuration.widenedModelErrorSigmas)
                * energy
            untrusted = local.ambiguity > configuration.untrustedAmbiguity
        }
        let noiseVariance = max(entries - dof / 2, 0.5) * sigma2 * sigma2
        func threshold(allowing m: Double) -> Double {
            expected + m + configuration.grossErrorSigmas * (noiseVariance + 2 * sigma2 * m).squareRoot()
        }
        let costThreshold = threshold(allowing: allowed)
        let widenThreshold = threshold(allowing: widenAllowed)
        return NoiseTest(
            sigma2: sigma2, expected: expected, noiseVariance: noiseVariance, source: source, modelNMSE: modelNMSE,
            allowed: allowed, untrusted: untrusted, costThreshold: costThreshold, widenThreshold: widenThreshold,
            residualDegrees: max((2 * entries - dof) / 2, 0.5))
    }
}

extension Localizer {
    /// Localizes a complex64 channel (the dataset and wire format), converting it in the scratch space.
    public func localize(
        complex64 channel: UnsafeBufferPointer<Float>, reportedSNRdB: Double? = nil, scratch s: inout LocalizerScratch
    ) -> Fix {
        requireValuesPerChannel(channel.count)
        for i in 0..<channel.count { s.input[i] = Double(channel[i]) }
        let input = s.input
        return input.withUnsafeBufferPointer { localize($0, reportedSNRdB: reportedSNRdB, scratch: &s) }
    }

    /// Traps unless a channel of `count` values (Doubles or Floats) is one of this model's channels.
    func requireValuesPerChannel(_ count: Int) {
        precondition(count == model.valuesPerChannel, "expected \(model.valuesPerChannel) values, got \(count)")
    }

    /// Convenience for one-off calls and tests (allocates a scratch space).
    public func localize(_ channel: [Double], reportedSNRdB: Double? = nil) -> Fix {
        var s = makeScratch()
        return channel.withUnsafeBufferPointer { localize($0, reportedSNRdB: reportedSNRdB, scratch: &s) }
    }

    /// Localizes `count` complex64 channels stored back to back, on `width` threads (one scratch per chunk);
    /// `reportedSNRdB`, when given, holds each channel's reported SNR (NaN = unknown).
    public func localizeAll(
        complex64 csi: UnsafeBufferPointer<Float>, count: Int, reportedSNRdB: [Double]? = nil,
        width: Int = Parallel.defaultWidth
    ) -> [Fix] {
        let stride = model.valuesPerChannel
        precondition(csi.count >= count * stride, "csi holds fewer than \(count) channels")
        precondition(reportedSNRdB.map { $0.count >= count } ?? true, "fewer reported SNRs than channels")
        var out = [Fix?](repeating: nil, count: count)
        out.withUnsafeMutableBufferPointer { ob in
            nonisolated(unsafe) let ob = ob, csi = csi
            Parallel.forEachChunk(count: count, width: width, minChunk: 4) { range in
                var s = makeScratch()
                for i in range {
                    ob[i] = localize(
                        complex64: UnsafeBufferPointer(rebasing: csi[(i * stride)..<((i + 1) * stride)]),
                        reportedSNRdB: reportedSNRdB?[i], scratch: &s)
                }
            }
        }
        return out.map { $0! }
    }
}
