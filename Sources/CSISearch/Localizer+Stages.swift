import CSIChannel

extension Localizer {
    /// (a) The best global-grid node for the measured channel loaded in `s.match`, or the `globalStarts` best
    /// nodes at least `globalStartSeparation` apart (best first), and the number of rows scored.
    func globalStage(_ s: inout LocalizerScratch) -> (picks: [(position: Point3, score: Double)], scored: Int) {
        let stride = model.valuesPerChannel
        let h = s.match.h
        switch configuration.globalMeasure {
        case .angleDelay:
            h.withUnsafeBufferPointer { hb in
                s.q1.withUnsafeMutableBufferPointer { q in
                    transform.image(of: hb.baseAddress!, into: q.baseAddress!, workspace: &s.workspace)
                }
            }
        case .phaseSensitive, .phaseInsensitive:
            for i in 0..<stride { s.q1[i] = Float(h[i]) }
            for i in Swift.stride(from: 0, to: stride, by: 2) { s.q2[i] = Float(h[i + 1]); s.q2[i + 1] = Float(-h[i]) }
        }
        let keepAll = configuration.globalMeasure != .angleDelay
        let r = s.q1.withUnsafeBufferPointer { q1 in
            s.q2.withUnsafeBufferPointer { q2 in
                dictionary.best(
                    q1: q1.baseAddress!, q2: q2.baseAddress!,
                    stride: keepAll ? 1 : configuration.globalPrescreenStride,
                    keep: configuration.globalPrescreenKeep,
                    count: max(1, min(configuration.globalStarts, 64)),
                    separation: configuration.globalStartSeparation)
            }
        }
        return (r.picks.map { (dictionary.nodes[$0.index], Double($0.score)) }, r.scored)
    }

    /// Scores `s.candidates[0..<count]` (in cache-sized batches, through the model's fused `correlate`) and writes
    /// each one's phase-sensitive cost, nuisance removed, to `s.costs` — with `coarse`, on the ranking antennas
    /// (every `rankingAntennaStride`-th; costs that only rank). Returns the index of the cheapest.
    @discardableResult
    func scoreCandidates(count: Int, coarse wanted: Bool = false, _ s: inout LocalizerScratch) -> Int {
        let ns = model.subcarrierCount, batch = LocalizerScratch.batch
        let coarse = wanted && rankingAntennaStride > 1
        let antennaStride = coarse ? rankingAntennaStride : 1
        if coarse { s.loadCoarse(stride: antennaStride) }
        // The frame as the costs see it: all antennas, or the kept ones.
        let hRe = coarse ? s.coarseMatch!.hRe : s.match.hRe, hIm = coarse ? s.coarseMatch!.hIm : s.match.hIm
        var best = 0, bestCost = Double.infinity
        var start = 0
        while start < count {
            let n = min(batch, count - start)
            s.candidates.withUnsafeBufferPointer { p in
                s.values.withUnsafeMutableBufferPointer { v in
                    s.correlations.withUnsafeMutableBufferPointer { c in
                        s.energies.withUnsafeMutableBufferPointer { e in
                            hRe.withUnsafeBufferPointer { hr in
                                hIm.withUnsafeBufferPointer { hi in
                                    scorer.correlate(
                                        UnsafeBufferPointer(rebasing: p[start..<(start + n)]),
                                        antennaStride: antennaStride, hRe: hr.baseAddress!, hIm: hi.baseAddress!,
                                        correlations: c.baseAddress!, energies: e.baseAddress!, scratch: v)
                                }
                            }
                        }
                    }
                }
            }
            for b in 0..<n {
                let c = s.correlations.withUnsafeBufferPointer { c in
                    coarse
                        ? s.coarseMatch!.cost(correlations: c.baseAddress! + 2 * b * ns, modelEnergy: s.energies[b])
                            .cost
                        : s.match.cost(correlations: c.baseAddress! + 2 * b * ns, modelEnergy: s.energies[b]).cost
                }
                s.costs[start + b] = c
                if c < bestCost { bestCost = c; best = start + b }
            }
            start += n
        }
        if coarse, rankingRescored > 0, count > rankingRescored {
            return rescoreCheapest(count: count, keep: rankingRescored, &s)
        }
        return best
    }

    /// After a coarse ranking of `s.candidates[0..<count]`: the `keep` cheapest are moved to the front and scored
    /// again on every antenna; the others' costs become not-a-number (costs on the ranking antennas are not
    /// comparable with full ones, and `distinctBest` never picks a NaN, where it could fill its picks with +∞ ones).
    /// Returns the index of the cheapest.
    func rescoreCheapest(count: Int, keep: Int, _ s: inout LocalizerScratch) -> Int {
        var top = TopK(capacity: keep)
        for i in 0..<count { top.insert(i, Float(-s.costs[i])) }
        // Move the kept ones to the front (in ascending index order so that no kept one is overwritten).
        let kept = top.indices.sorted()
        for (slot, i) in kept.enumerated() where slot != i {
            s.candidates.swapAt(slot, i)
        }
        for i in 0..<count { s.costs[i] = .nan }
        scoreCandidates(count: kept.count, coarse: false, &s)
        var best = 0
        for i in 1..<max(1, kept.count) where s.costs[i] < s.costs[best] { best = i }
        return best
    }

    /// (b) Local phase-sensitive lattice around `center`. Returns up to `localCandidatesToRefine` distinct best
    /// nodes (≥ λ₀/4 apart, cheapest first; never empty) and the node count.
    func localStage(
        around center: Point3, widened: Bool = false, _ s: inout LocalizerScratch
    )
        -> (picks: [(position: Point3, cost: Double)], scored: Int)
    {
        var n = 0
        for o in widened ? widenedOffsets : localOffsets {
            let p = center + o
            if region.contains(p, margin: wavelength / 2) { s.candidates[n] = p; n += 1 }
        }
        if n == 0 { s.candidates[0] = center; n = 1 }
        scoreCandidates(count: n, coarse: !widened, &s) // (f) keeps every antenna
        let want = widened ? configuration.widenedCandidatesToRefine : max(1, configuration.localCandidatesToRefine)
        return (distinctBest(count: n, want: want, &s), n)
    }

    /// Up to `want` cheapest of `s.candidates[0..<count]` that are pairwise ≥ λ₀/4 apart, cheapest first.
    /// A candidate whose cost is not a number is never picked; if none is, the first candidate is returned
    /// with an infinite cost (the fix is then flagged), so callers always get at least one pick.
    func distinctBest(count: Int, want: Int, _ s: inout LocalizerScratch) -> [(position: Point3, cost: Double)] {
        var picks: [(position: Point3, cost: Double)] = []
        for _ in 0..<max(1, want) {
            var bi = -1, bc = Double.infinity
            for i in 0..<count where s.costs[i] < bc || (bi < 0 && s.costs[i] == bc) {
                let p = s.candidates[i]
                if picks.allSatisfy({ ($0.position - p).length >= wavelength / 4 }) { bi = i; bc = s.costs[i] }
            }
            if bi < 0 { break }
            picks.append((s.candidates[bi], bc))
        }
        if picks.isEmpty { picks.append((s.candidates[0], .infinity)) }
        return picks
    }

    /// (d) Circle candidates around `center` (whose cost is `centerCost`): returns up to
    /// `circleCandidatesToRefine` distinct best points (≥ λ₀/4 apart), the centre included as a candidate.
    func circleStage(
        around center: Point3, centerCost: Double, _ s: inout LocalizerScratch
    )
        -> (picks: [(position: Point3, cost: Double)], scored: Int)
    {
        var n = 0
        for o in circleOffsets {
            let p = center + o
            if region.contains(p, margin: wavelength / 2) { s.candidates[n] = p; n += 1 }
        }
        // The centre is scored with them when the costs are the coarse ones (its own cost is on all antennas).
        if rankingAntennaStride > 1 {
            s.candidates[n] = center
            scoreCandidates(count: n + 1, coarse: true, &s)
        } else {
            scoreCandidates(count: n, &s)
            s.candidates[n] = center; s.costs[n] = centerCost
        }
        let picks = distinctBest(count: n + 1, want: configuration.circleCandidatesToRefine, &s)
        return (picks, n)
    }
}
