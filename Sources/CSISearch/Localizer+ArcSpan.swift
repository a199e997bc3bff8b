import CSIChannel
import CSINumerics

extension Localizer {
    /// (b') The span lattice around `center`: up to `arcSpanCandidates` distinct best nodes (each as the point of
    /// its circle at the middle of the region's arc, ≥ λ₀/4 apart), their span costs, and the number of nodes
    /// scored.
    func spanStage(
        around center: Point3, _ s: inout LocalizerScratch
    ) -> (
        picks: [(position: Point3, cost: Double)], scored: Int
    ) {
        guard let lattice = spanLattice, let f = spanFrame(around: center) else {
            return ([(center, .infinity)], 0)
        }
        loadSpanChannel(&s)
        let count = lattice.offsets.count
        for i in 0..<count { s.spanNodes[i] = lattice.offsets[i] }
        let coarseLevel = spanLevels.count - 1
        var scored = scoreSpan(f, count: count, level: coarseLevel, &s)
        // The lattice is coarse for the cost's sharpest fringes: the best nodes are re-scored on a finer
        // sub-lattice (± a third of a step, on every antenna and subcarrier) and ranked by their best sub-node.
        let coarse = bestSpanNodes(
            count: count, want: max(1, configuration.arcSpanRefinedNodes, configuration.arcSpanCandidates), &s)
        var ranked: [(offset: SIMD2<Double>, cost: Double)] = coarse
        if configuration.arcSpanRefinedNodes > 0 && !coarse.isEmpty {
            let h = configuration.arcSpanStepWavelengths * wavelength / 3
            // With a decimated coarse level the node itself is scored again on the full one.
            let withCentre = coarseLevel != 0
            let per = withCentre ? 9 : 8
            var n = 0
            for c in coarse {
                for i in -1...1 {
                    for j in -1...1 where withCentre || i != 0 || j != 0 {
                        s.spanNodes[n] = c.offset + SIMD2(Double(i) * h, Double(j) * h); n += 1
                    }
                }
            }
            scored += scoreSpan(f, count: n, level: 0, &s)
            for ci in coarse.indices {
                if withCentre { ranked[ci].cost = .infinity }
                for m in 0..<per where s.spanCosts[ci * per + m] < ranked[ci].cost {
                    ranked[ci] = (s.spanNodes[ci * per + m], s.spanCosts[ci * per + m])
                }
            }
            ranked.sort { $0.cost < $1.cost }
        }
        let picks = ranked.prefix(max(1, configuration.arcSpanCandidates)).compactMap {
            node -> (position: Point3, cost: Double)? in
            guard node.cost.isFinite, let arc = spanAngles(f, node.offset.x, node.offset.y) else { return nil }
            return (f.point(node.offset.x, node.offset.y, 0.5 * (arc.lo + arc.hi)), node.cost)
        }
        return (picks.isEmpty ? [(center, .infinity)] : picks, scored)
    }

    /// The frame loaded in `s.match`, in Float32 for the span costs, on each level's antennas and subcarriers, and
    /// its energy there.
    func loadSpanChannel(_ s: inout LocalizerScratch) {
        for (l, level) in spanLevels.enumerated() {
            var e = 0.0
            for (i, entry) in level.entries.enumerated() {
                let re = s.match.hRe[entry], im = s.match.hIm[entry]
                s.spanHRe[l][i] = Float(re); s.spanHIm[l][i] = Float(im)
                e += re * re + im * im
            }
            s.spanEnergy[l] = e
        }
    }

    /// The frame's circle geometry around `center`; nil when it is within a wavelength of the axis.
    func spanFrame(around center: Point3) -> SpanFrame? {
        guard let axis = arrayAxis else { return nil }
        let u = axis.direction
        let w = center - axis.origin
        let a0 = w.dot(u)
        let radial = w - u * a0
        let r0 = radial.length
        guard r0 > wavelength else { return nil }
        let e1 = radial / r0
        return SpanFrame(origin: axis.origin, axis: u, e1: e1, e2: u.cross(e1), a0: a0, r0: r0)
    }

    /// The K sample angles of the node (`da`, `dr`): evenly over its circle's arc inside the region, grown by
    /// λ₀/2 at each end (the model is smooth across the region's edge); nil when the circle misses the region.
    func spanAngles(_ f: SpanFrame, _ da: Double, _ dr: Double) -> (lo: Double, hi: Double)? {
        guard let a = f.arc(da, dr, in: region) else { return nil }
        let grow = Swift.min(0.5 * wavelength / (f.r0 + dr), Double.pi / 8)
        return (a.lo - grow, a.hi + grow)
    }

    /// Span costs of the nodes `s.spanNodes[0..<count]` (offsets from the pick) into `s.spanCosts` (infinite for a
    /// node whose circle misses the region); returns the number of nodes scored.
    @discardableResult
    func scoreSpan(_ f: SpanFrame, count: Int, level: Int, _ s: inout LocalizerScratch) -> Int {
        let k = spanLattice?.samples ?? 1
        let lv = spanLevels[level]
        let perBatch = max(1, LocalizerScratch.batch / k)
        var start = 0, scored = 0
        while start < count {
            // The next nodes whose circle crosses the region (up to `perBatch`), their K channels at once.
            var n = 0, end = start
            while end < count && n < perBatch {
                let o = s.spanNodes[end]
                if let arc = spanAngles(f, o.x, o.y) {
                    for i in 0..<k {
                        let t = k == 1 ? 0.5 : Double(i) / Double(k - 1)
                        s.candidates[n * k + i] = f.point(o.x, o.y, arc.lo + t * (arc.hi - arc.lo))
                    }
                    s.spanBatch[n] = end; n += 1
                } else {
                    s.spanCosts[end] = .infinity
                }
                end += 1
            }
            if n > 0 {
                s.candidates.withUnsafeBufferPointer { p in
                    s.values.withUnsafeMutableBufferPointer { v in
                        s.spanRe.withUnsafeMutableBufferPointer { re in
                            s.spanIm.withUnsafeMutableBufferPointer { im in
                                scorer.evaluateSplit(
                                    UnsafeBufferPointer(rebasing: p[0..<(n * k)]), antennaStride: lv.antennaStride,
                                    subcarrierStride: lv.subcarrierStride, re: re.baseAddress!, im: im.baseAddress!,
                                    scratch: v)
                            }
                        }
                    }
                }
                for b in 0..<n { s.spanCosts[s.spanBatch[b]] = spanCost(node: b, samples: k, level: level, &s) }
            }
            scored += n; start = end
        }
        return scored
    }

    /// Up to `want` cheapest nodes of `s.spanNodes[0..<count]` pairwise ≥ λ₀/4 apart in (axial, radial),
    /// cheapest first; nodes whose cost is not a number are never picked.
    func bestSpanNodes(count: Int, want: Int, _ s: inout LocalizerScratch) -> [(offset: SIMD2<Double>, cost: Double)] {
        var picks: [(offset: SIMD2<Double>, cost: Double)] = []
        let minimum = wavelength / 4
        for _ in 0..<want {
            var bi = -1, bc = Double.infinity
            for i in 0..<count where s.spanCosts[i] < bc {
                let o = s.spanNodes[i]
                if picks.allSatisfy({ (($0.offset - o) * ($0.offset - o)).sum() >= minimum * minimum }) {
                    bi = i; bc = s.spanCosts[i]
                }
            }
            if bi < 0 { break }
            picks.append((s.spanNodes[bi], bc))
        }
        return picks
    }

    /// The span cost on `level` of the node whose K channels are at `s.spanRe/spanIm[node·K·n…]` (Float32, split,
    /// subcarrier-major), for the frame in `s.spanHRe/spanHIm[level]`: Gram matrix and correlations in Float32 vectors
    /// summed in Float64, a complex Cholesky factor of the regularised Gram matrix, ‖L⁻¹b‖² maximised over the delay
    /// grid under a timing nuisance.
    func spanCost(node: Int, samples k: Int, level: Int, _ s: inout LocalizerScratch) -> Double {
        let lv = spanLevels[level]
        let na = lv.antennas, ns = lv.subcarriers, n = na * ns
        let energy = s.spanEnergy[level]
        let timing = configuration.nuisance == .phaseGainAndTiming
        var trace = 0.0
        s.spanRe.withUnsafeBufferPointer { reb in
            s.spanIm.withUnsafeBufferPointer { imb in
                s.spanHRe[level].withUnsafeBufferPointer { hrb in
                    s.spanHIm[level].withUnsafeBufferPointer { hib in
                        let re = reb.baseAddress! + node * k * n, im = imb.baseAddress! + node * k * n
                        for p in 0..<k {
                            for q in p..<k {
                                let g = DenseKernels.conjugateDot(
                                    re + p * n, im + p * n, re + q * n, im + q * n, count: n)
                                s.spanGram[2 * (p * k + q)] = g.re; s.spanGram[2 * (p * k + q) + 1] = g.im
                            }
                            trace += s.spanGram[2 * (p * k + p)]
                            // b_{p,k} = Σ_j conj(f_p,jk)·H_jk per subcarrier (timing), else summed.
                            if timing {
                                for sub in 0..<ns {
                                    let o = p * n + sub * na
                                    let c = DenseKernels.conjugateDot(
                                        re + o, im + o, hrb.baseAddress! + sub * na, hib.baseAddress! + sub * na,
                                        count: na)
                                    s.spanB[2 * (p * ns + sub)] = c.re; s.spanB[2 * (p * ns + sub) + 1] = c.im
                                }
                            } else {
                                let c = DenseKernels.conjugateDot(
                                    re + p * n, im + p * n, hrb.baseAddress!, hib.baseAddress!, count: n)
                                s.spanB[2 * p] = c.re; s.spanB[2 * p + 1] = c.im
                            }
                        }
                    }
                }
            }
        }
        guard trace.isFinite else { return .nan }
        guard trace > 0 else { return energy }
        // Cholesky G + εI = L Lᴴ (complex, lower; ε relative to the mean diagonal).
        let eps = 1e-6 * trace / Double(k)
        for i in 0..<k {
            for j in 0...i {
                // G[i][j] = conj(G[j][i]) from the upper triangle
                var re = s.spanGram[2 * (j * k + i)], im = -s.spanGram[2 * (j * k + i) + 1]
                if i == j { re += eps; im = 0 }
                for m in 0..<j {
                    // − L[i][m] · conj(L[j][m])
                    let ar = s.spanL[2 * (i * k + m)], ai = s.spanL[2 * (i * k + m) + 1]
                    let br = s.spanL[2 * (j * k + m)], bi = s.spanL[2 * (j * k + m) + 1]
                    re -= ar * br + ai * bi; im -= ai * br - ar * bi
                }
                if i == j {
                    guard re > 0 else { return energy }
                    s.spanL[2 * (i * k + i)] = re.squareRoot(); s.spanL[2 * (i * k + i) + 1] = 0
                } else {
                    let d = s.spanL[2 * (j * k + j)]
                    s.spanL[2 * (i * k + j)] = re / d; s.spanL[2 * (i * k + j) + 1] = im / d
                }
            }
        }
        // ‖L⁻¹ b‖² for b = Σ_k w_k b_{·,k}: the summed b (no timing), or each delay of the grid, then polished by
        // Newton steps from the best grid delay (the grid is ≈ half the delay resolution: its best point or a parabola
        // through it leaves a few per cent of the explained energy, which is more than the noise at the truth).
        guard timing else {
            for p in 0..<k { s.spanW[2 * p] = s.spanB[2 * p]; s.spanW[2 * p + 1] = s.spanB[2 * p + 1] }
            let q2 = spanProjection(k, &s)
            return q2.isFinite ? max(0, energy - q2) : .nan
        }
        let best = spanTimingMaximum(lv, k: k, &s)
        return best.isFinite ? max(0, energy - best) : .nan
    }

    /// ‖L⁻¹ w‖² for w = `s.spanW[offset…]` and the factor in `s.spanL` (forward substitution; the solution y
    /// into `s.spanY[offset…]`).
    func spanProjection(_ k: Int, offset: Int = 0, _ s: inout LocalizerScratch) -> Double {
        var q2 = 0.0
        for p in 0..<k {
            var re = s.spanW[offset + 2 * p], im = s.spanW[offset + 2 * p + 1]
            for q in 0..<p {
                let lr = s.spanL[2 * (p * k + q)], li = s.spanL[2 * (p * k + q) + 1]
                let yr = s.spanY[offset + 2 * q], yi = s.spanY[offset + 2 * q + 1]
                re -= lr * yr - li * yi; im -= lr * yi + li * yr
            }
            let d = s.spanL[2 * (p * k + p)]
            s.spanY[offset + 2 * p] = re / d; s.spanY[offset + 2 * p + 1] = im / d
            q2 +=
                s.spanY[offset + 2 * p] * s.spanY[offset + 2 * p] + s.spanY[offset + 2 * p + 1]
                * s.spanY[offset + 2 * p + 1]
        }
        return q2
    }

    /// The circle through `center` at `arcSpacingWavelengths` (inside the region), scored with the phase-sensitive
    /// cost: its `want` best distinct points and the number scored.
    func arcScan(
        through center: Point3, want: Int, _ s: inout LocalizerScratch
    ) -> (
        picks: [(position: Point3, cost: Double)], scored: Int
    ) {
        guard let axis = arrayAxis else { return ([(center, .infinity)], 0) }
        let points = axis.arc(
            through: center, spacing: configuration.arcSpacingWavelengths * wavelength, limit: arcLimit
        ) { region.contains($0, margin: wavelength / 2) }
        for (i, p) in points.enumerated() { s.candidates[i] = p }
        s.candidates[points.count] = center
        scoreCandidates(count: points.count + 1, &s)
        return (distinctBest(count: points.count + 1, want: want, &s), points.count + 1)
    }
}

extension Localizer {
    /// (c'') in 3-D with the span stage: the fix's (axial, radial) node plus each near-repeat vector of its cell
    /// (`spanAmbiguityMap`), each on the span's ±step/3 sub-lattice; the circles of the nodes whose span cost is
    /// below the fix's cost (at most `arcSpanCandidates`, cheapest first) are scanned and their best points refined;
    /// repeated from each better fix, at most `ambiguityRounds` rounds.
    func spanAmbiguitySearch(
        _ x: inout Point3, _ cost: inout Double, _ result: inout RefinementResult?,
        _ stages: inout [StageReport], _ s: inout LocalizerScratch
    ) {
        guard let map = spanAmbiguityMap, let k = spanLattice?.samples else { return }
        let t0 = ContinuousClock.now
        var report = StageReport(
            stage: .ambiguity, candidates: 0, position: x, cost: cost, seconds: 0,
            valueEvaluations: 0, jacobianEvaluations: 0)
        // A vector is the cell centre's: across a cell it drifts by up to ≈ a span step, so each is searched on a
        // 5 × 5 patch of half steps around it.
        let fine = configuration.arcSpanStepWavelengths * wavelength / 2
        let patch = 25
        loadSpanChannel(&s)
        for _ in 0..<max(1, configuration.ambiguityRounds) {
            let from = x
            guard let f = spanFrame(around: from) else { break }
            let vectors = map.interpolatedVectors(at: from, tolerance: 3 * fine)
            var n = 0
            for v in vectors {
                for j in -2...2 {
                    for i in -2...2 { s.spanNodes[n] = SIMD2(v.x + Double(i) * fine, v.y + Double(j) * fine); n += 1 }
                }
            }
            let scored = scoreSpan(f, count: n, level: 0, &s)
            report.candidates += scored; report.valueEvaluations += scored * k
            // The best sub-node of each vector, cheaper than the fix.
            var nodes: [(offset: SIMD2<Double>, cost: Double)] = []
            for vi in vectors.indices {
                var best = (offset: s.spanNodes[patch * vi], cost: s.spanCosts[patch * vi])
                for m in 1..<patch where s.spanCosts[patch * vi + m] < best.cost {
                    best = (s.spanNodes[patch * vi + m], s.spanCosts[patch * vi + m])
                }
                if best.cost < cost || cost.isNaN { nodes.append(best) }
            }
            nodes.sort { $0.cost < $1.cost }
            for var node in nodes.prefix(max(1, configuration.arcSpanCandidates)) {
                // Polished on a 3 × 3 lattice of sixth steps: the circle's cost is sharp in range.
                var m = 0
                for j in -1...1 {
                    for i in -1...1 where i != 0 || j != 0 {
                        s.spanNodes[m] = node.offset + SIMD2(Double(i), Double(j)) * (fine / 3); m += 1
                    }
                }
                let polished = scoreSpan(f, count: m, level: 0, &s)
                report.candidates += polished; report.valueEvaluations += polished * k
                for i in 0..<m where s.spanCosts[i] < node.cost { node = (s.spanNodes[i], s.spanCosts[i]) }
                guard let arc = spanAngles(f, node.offset.x, node.offset.y) else { continue }
                let through = f.point(node.offset.x, node.offset.y, 0.5 * (arc.lo + arc.hi))
                let a = arcScan(through: through, want: max(1, configuration.arcCandidatesToRefine), &s)
                report.candidates += a.scored; report.valueEvaluations += a.scored
                for p in a.picks {
                    let r = refine(from: p.position, &s)
                    report.valueEvaluations += r.valueEvaluations
                    report.jacobianEvaluations += r.jacobianEvaluations
                    if result == nil || r.cost < cost || cost.isNaN { result = r; x = r.position; cost = r.cost }
                }
            }
            if x == from { break }
        }
        continueRefinement(&x, &cost, &result, &report, &s)
        report.close(at: x, cost: cost, since: t0)
        stages.append(report)
    }
}
