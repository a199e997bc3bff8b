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
        // Both the lattice and its sub-lattice rank nodes on the stage's level (every `arcSpanCoarseAntennaStride`-th
        // antenna and `arcSpanCoarseSubcarrierStride`-th subcarrier): the circles of the picks are then scanned with
        // the full phase-sensitive cost, so no span cost decides anything on its own.
        let level = spanLevels.count - 1
        var scored = scoreSpan(f, count: count, level: level, &s)
        // The lattice is coarse for the cost's sharpest fringes: the best nodes are re-scored on a finer
        // sub-lattice (± a third of a step) and ranked by their best sub-node.
        let coarse = bestSpanNodes(
            count: count, want: max(1, configuration.arcSpanRefinedNodes, configuration.arcSpanCandidates), &s)
        var ranked: [(offset: SIMD2<Double>, cost: Double)] = coarse
        if configuration.arcSpanRefinedNodes > 0 && !coarse.isEmpty {
            let h = configuration.arcSpanStepWavelengths * wavelength / 3
            let per = 8
            var n = 0
            for c in coarse {
                for i in -1...1 {
                    for j in -1...1 where i != 0 || j != 0 {
                        s.spanNodes[n] = c.offset + SIMD2(Double(i) * h, Double(j) * h); n += 1
                    }
                }
            }
            scored += scoreSpan(f, count: n, level: level, &s)
            for ci in coarse.indices {
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
        let perBatch = max(1, LocalizerScratch.spanPoints(entries: model.antennaCount * model.subcarrierCount) / k)
        let line = f.line
        var start = 0, scored = 0
        while start < count {
            // The next nodes whose circle crosses the region (up to `perBatch`), their K channels at once.
            var n = 0, end = start
            while end < count && n < perBatch {
                let o = s.spanNodes[end]
                if let arc = spanAngles(f, o.x, o.y) {
                    s.candidates.withUnsafeMutableBufferPointer {
                        f.points(o.x, o.y, from: arc.lo, to: arc.hi, count: k, into: $0.baseAddress! + n * k)
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
                                let points = UnsafeBufferPointer(rebasing: p[0..<(n * k)])
                                // A node's K points lie on one circle about the axis: the model may share
                                // what is the same around it (the direct path and other paths from the axis).
                                if let line {
                                    scorer.evaluateSplit(
                                        onCircles: points, pointsPerCircle: k, about: line,
                                        antennaStride: lv.antennaStride, subcarrierStride: lv.subcarrierStride,
                                        re: re.baseAddress!, im: im.baseAddress!, scratch: v)
                                } else {
                                    scorer.evaluateSplit(
                                        points, antennaStride: lv.antennaStride, subcarrierStride: lv.subcarrierStride,
                                        re: re.baseAddress!, im: im.baseAddress!, scratch: v)
                                }
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
    /// cheapest first (the lower index among equal costs); nodes whose cost is not a finite number are never picked.
    /// Greedy in cost order: a node is taken when it is far enough from every node taken before it.
    func bestSpanNodes(count: Int, want: Int, _ s: inout LocalizerScratch) -> [(offset: SIMD2<Double>, cost: Double)] {
        var picks: [(offset: SIMD2<Double>, cost: Double)] = []
        guard want > 0 else { return picks }
        picks.reserveCapacity(want)
        let minimum = wavelength / 4
        var order = [Int]()
        order.reserveCapacity(count)
        for i in 0..<count where s.spanCosts[i].isFinite { order.append(i) }
        let costs = s.spanCosts
        order.sort { costs[$0] < costs[$1] || (costs[$0] == costs[$1] && $0 < $1) }
        for i in order {
            let o = s.spanNodes[i]
            if picks.allSatisfy({ (($0.offset - o) * ($0.offset - o)).sum() >= minimum * minimum }) {
                picks.append((o, costs[i]))
                if picks.count == want { break }
            }
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
                        let hr = hrb.baseAddress!, hi = hib.baseAddress!
                        for p in 0..<k {
                            // Row p of the upper triangle (columns q = p … K − 1), and b_p with it when summed,
                            // up to four conjugate dot products per read of f_p.
                            let columns = k - p + (timing ? 0 : 1)
                            withUnsafeTemporaryAllocation(of: Double.self, capacity: 8) { out in
                                let o = out.baseAddress!
                                func column(_ c: Int) -> (UnsafePointer<Float>, UnsafePointer<Float>) {
                                    let q = p + Swift.min(c, columns - 1)
                                    return q < k ? (re + q * n, im + q * n) : (hr, hi)
                                }
                                var first = 0
                                while first < columns {
                                    let t = Swift.min(4, columns - first)
                                    let c0 = column(first), c1 = column(first + 1), c2 = column(first + 2)
                                    let c3 = column(first + 3)
                                    DenseKernels.conjugateDots(
                                        re + p * n, im + p * n, (c0.0, c1.0, c2.0, c3.0), (c0.1, c1.1, c2.1, c3.1),
                                        columns: t, count: n, into: o)
                                    for u in 0..<t {
                                        let q = p + first + u
                                        if q < k {
                                            s.spanGram[2 * (p * k + q)] = o[2 * u]
                                            s.spanGram[2 * (p * k + q) + 1] = o[2 * u + 1]
                                        } else {
                                            s.spanB[2 * p] = o[2 * u]; s.spanB[2 * p + 1] = o[2 * u + 1]
                                        }
                                    }
                                    first += t
                                }
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
        let factored = s.spanGram.withUnsafeBufferPointer { g in
            s.spanL.withUnsafeMutableBufferPointer { l in
                s.spanLInverse.withUnsafeMutableBufferPointer { inv in
                    SpanAlgebra.factor(
                        gram: g.baseAddress!, epsilon: eps, k: k, l: l.baseAddress!, inverse: inv.baseAddress!)
                }
            }
        }
        guard factored else { return energy }
        // ‖L⁻¹ b‖² for b = Σ_k w_k b_{·,k}: the summed b (no timing), or each delay of the grid, then polished by
        // Newton steps from the best grid delay (the grid is ≈ half the delay resolution: its best point or a parabola
        // through it leaves a few per cent of the explained energy, which is more than the noise at the truth).
        // The cost is then the residual of the best combination, formed explicitly (`spanResidual`), not
        // ‖H‖² − ‖L⁻¹b‖²: that difference of two numbers close to ‖H‖², through a Float32 Gram matrix whose condition
        // number reaches the ridge's 10⁶, would carry rounding of the size of the costs near the truth.
        guard timing else {
            for p in 0..<k { s.spanW[2 * p] = s.spanB[2 * p]; s.spanW[2 * p + 1] = s.spanB[2 * p + 1] }
            let q2 = spanProjection(k, &s)
            guard q2.isFinite else { return .nan }
            return spanResidual(node: node, samples: k, level: level, ridge: eps, rotated: false, &s)
        }
        let best = spanTimingMaximum(lv, k: k, &s)
        guard best.q.isFinite else { return .nan }
        // b(τ) at the best delay into `s.spanW`, e^{jω_kτ} into `s.spanPhasor`.
        spanDelayWeights(lv, index: nil, tau: best.tau, k: k, &s)
        _ = spanProjection(k, &s)
        return spanResidual(node: node, samples: k, level: level, ridge: eps, rotated: true, &s)
    }

    /// ‖H_τ − F c‖² + ε‖c‖² for c = (G + εI)⁻¹ b, from y = L⁻¹ b in `s.spanY` (back substitution Lᴴc = y), the
    /// node's K channels F (Float32, as `spanCost` reads them) and the frame on `level`, rotated by `s.spanPhasor`
    /// per subcarrier (H_τ,jk = H_jk e^{jω_kτ}) when `rotated`. The residual is formed in Float32 vectors and summed
    /// in Float64: its rounding is relative to the residual, not to ‖H‖²; and a c off the optimum by rounding
    /// raises the cost only to second order.
    func spanResidual(
        node: Int, samples k: Int, level: Int, ridge eps: Double, rotated: Bool, _ s: inout LocalizerScratch
    ) -> Double {
        let lv = spanLevels[level]
        let na = lv.antennas, ns = lv.subcarriers, n = na * ns
        // c into s.spanY[2k ..< 4k]
        let ridge = s.spanY.withUnsafeMutableBufferPointer { y in
            s.spanL.withUnsafeBufferPointer { l in
                s.spanLInverse.withUnsafeBufferPointer { inv in
                    SpanAlgebra.backward(
                        y.baseAddress!, l: l.baseAddress!, inverse: inv.baseAddress!, k: k, into: y.baseAddress! + 2 * k
                    )
                }
            }
        }
        guard ridge.isFinite else { return .nan }
        typealias V = SIMD8<Float>
        var total = 0.0
        let size = MemoryLayout<Float>.stride
        // Per entry: r = H_τ − Σ_p c_p f_p, eight entries per vector with the K coefficients broadcast once; under
        // a timing nuisance H_τ is formed first (one rotation per subcarrier).
        withUnsafeTemporaryAllocation(of: V.self, capacity: 16) { broadcast in
            let cRe = broadcast.baseAddress!, cIm = cRe + 8
            for p in 0..<k {
                cRe[p] = V(repeating: Float(s.spanY[2 * (k + p)]));
                cIm[p] = V(repeating: Float(s.spanY[2 * (k + p) + 1]))
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: rotated ? 2 * n : 0) { rotatedFrame in
                s.spanRe.withUnsafeBufferPointer { reb in
                    s.spanIm.withUnsafeBufferPointer { imb in
                        s.spanHRe[level].withUnsafeBufferPointer { hrb in
                            s.spanHIm[level].withUnsafeBufferPointer { hib in
                                var hr = hrb.baseAddress!, hi = hib.baseAddress!
                                if rotated {
                                    let tr = rotatedFrame.baseAddress!, ti = tr + n
                                    for sub in 0..<ns {
                                        let wr = Float(s.spanPhasor[2 * sub]), wi = Float(s.spanPhasor[2 * sub + 1])
                                        for j in 0..<na {
                                            let e = sub * na + j, a = hr[e], b = hi[e]
                                            tr[e] = a * wr - b * wi; ti[e] = b * wr + a * wi
                                        }
                                    }
                                    hr = UnsafePointer(tr); hi = UnsafePointer(ti)
                                }
                                let fr = reb.baseAddress! + node * k * n, fi = imb.baseAddress! + node * k * n
                                let pr = UnsafeRawPointer(fr), pi = UnsafeRawPointer(fi)
                                let qr = UnsafeRawPointer(hr), qi = UnsafeRawPointer(hi)
                                var acc = V()
                                var e = 0
                                while e + 8 <= n {
                                    let o = e * size
                                    var rr = qr.loadUnaligned(fromByteOffset: o, as: V.self)
                                    var ri = qi.loadUnaligned(fromByteOffset: o, as: V.self)
                                    for p in 0..<k {
                                        let u = pr.loadUnaligned(fromByteOffset: o + p * n * size, as: V.self)
                                        let v = pi.loadUnaligned(fromByteOffset: o + p * n * size, as: V.self)
                                        rr.addProduct(-u, cRe[p]); rr.addProduct(v, cIm[p])
                                        ri.addProduct(-v, cRe[p]); ri.addProduct(-u, cIm[p])
                                    }
                                    acc.addProduct(rr, rr); acc.addProduct(ri, ri)
                                    e += 8
                                }
                                var tail = 0.0
                                while e < n {
                                    var rr = Double(hr[e]), ri = Double(hi[e])
                                    for p in 0..<k {
                                        let u = Double(fr[p * n + e]), v = Double(fi[p * n + e])
                                        let cr = Double(cRe[p][0]), ci = Double(cIm[p][0])
                                        rr -= u * cr - v * ci; ri -= v * cr + u * ci
                                    }
                                    tail += rr * rr + ri * ri
                                    e += 1
                                }
                                total = Double(acc.sum()) + tail
                            }
                        }
                    }
                }
            }
        }
        return total + eps * ridge
    }

    /// ‖L⁻¹ w‖² for w = `s.spanW[offset…]` and the factor in `s.spanL` (forward substitution; the solution y
    /// into `s.spanY[offset…]`).
    func spanProjection(_ k: Int, offset: Int = 0, _ s: inout LocalizerScratch) -> Double {
        s.spanW.withUnsafeBufferPointer { w in
            s.spanY.withUnsafeMutableBufferPointer { y in
                s.spanL.withUnsafeBufferPointer { l in
                    s.spanLInverse.withUnsafeBufferPointer { inv in
                        SpanAlgebra.forward(
                            w.baseAddress! + offset, l: l.baseAddress!, inverse: inv.baseAddress!, k: k,
                            into: y.baseAddress! + offset)
                    }
                }
            }
        }
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
