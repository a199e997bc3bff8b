import CSIChannel
import CSINumerics
import Foundation

/// The span stage (b') of 3-D searches with a linear array (docs/localization.md, "UEs at any height").
///
/// A linear array fixes a transmitter's position along its axis (a) and its distance from it (r) through the direct
/// path; where it lies on the circle about the axis (φ) shows only through the other paths, with a ripple of a
/// few centimetres along the circle. A local lattice in x, y, z around a global pick that sits at the wrong φ
/// then has no node in the truth's basin. The span stage searches (a, r) instead and lets φ free: each node of an
/// (a, r) lattice around the pick is scored by how well the *span* of the model at K points spread along its
/// circle (inside the region) explains the frame,
///
///     C_span(a, r) = ‖H‖² − b^H G⁻¹ b,   G = FᴴF (K × K, regularised),   b = FᴴH,   F = [f(a, r, φ_1) … f(a, r, φ_K)],
///
/// i.e. the least-squares residual of H by any complex combination of the K channels (with a timing nuisance:
/// maximised over the delay on a grid of 2N_s delays, b(τ) = Σ_k e^{jω_kτ} b_k per subcarrier). The truth's node
/// leaves only what K samples cannot interpolate along the circle; a wrong (a, r) leaves its mismatch whatever φ.
/// The best distinct nodes' circles are then scanned at `arcSpacingWavelengths` and their best points refined.
struct ArcSpanLattice: Sendable {
    /// Node offsets from the pick: along the axis and away from it, m.
    let offsets: [SIMD2<Double>]
    /// Channels per node (K).
    let samples: Int

    init(axialHalfWidth: Double, radialHalfWidth: Double, step: Double, samples: Int) {
        let na = max(0, Int((axialHalfWidth / step + 1e-9).rounded(.down)))
        let nr = max(0, Int((radialHalfWidth / step + 1e-9).rounded(.down)))
        var out: [SIMD2<Double>] = []
        out.reserveCapacity((2 * na + 1) * (2 * nr + 1))
        for i in -nr...nr {
            for j in -na...na { out.append(SIMD2(Double(j) * step, Double(i) * step)) }
        }
        offsets = out
        self.samples = samples
    }
}

/// The circle geometry of one frame's span stage: the axis, the pick's axial position and radius, and the plane of
/// its circle (e1 towards the pick, so the pick is at angle 0).
struct SpanFrame {
    let origin: Point3, axis: Point3, e1: Point3, e2: Point3
    let a0: Double, r0: Double

    /// The point at axial offset `da`, radial offset `dr` and angle `phi` from the pick.
    func point(_ da: Double, _ dr: Double, _ phi: Double) -> Point3 {
        let (sn, cs) = sinCos(phi)
        return origin + axis * (a0 + da) + (e1 * cs + e2 * sn) * (r0 + dr)
    }

    /// The angles (radians, in (−π, π]) of the arc of the circle at offsets (`da`, `dr`) inside the box `region`:
    /// the connected arc that contains angle 0 (the pick's side), else the one whose end is nearest it; nil when
    /// the circle misses the box. Closed form: each coordinate is A + M·cos(φ − ψ) along the circle.
    func arc(_ da: Double, _ dr: Double, in region: SearchRegion) -> (lo: Double, hi: Double)? {
        let r = r0 + dr
        guard r > 0, r.isFinite else { return nil }
        var allowed: [(Double, Double)] = [(-Double.pi, Double.pi)]
        let centre = origin + axis * (a0 + da)
        for c in 0..<3 {
            let a = centre[c], p = r * e1[c], q = r * e2[c]
            let m = (p * p + q * q).squareRoot()
            let lo = region.lower[c], hi = region.upper[c]
            if m <= 1e-12 * r {
                if a < lo || a > hi { return nil }
                continue
            }
            let cmin = (lo - a) / m, cmax = (hi - a) / m
            if cmin > 1 || cmax < -1 { return nil }
            // cos θ ≤ cmax ⇔ |θ| ≥ α1; cos θ ≥ cmin ⇔ |θ| ≤ α2 (θ = φ − ψ)
            let a1 = cmax < 1 ? Foundation.acos(Swift.max(-1, cmax)) : 0
            let a2 = cmin > -1 ? Foundation.acos(Swift.min(1, cmin)) : Double.pi
            if a1 > a2 { return nil }
            let psi = Foundation.atan2(q, p)
            var parts: [(Double, Double)] = []
            let pieces = a1 == 0 ? [(-a2, a2)] : [(a1, a2), (-a2, -a1)]
            for (u, v) in pieces { parts += Self.wrapped(psi + u, psi + v) }
            var next: [(Double, Double)] = []
            for x in allowed {
                for y in parts {
                    let l = Swift.max(x.0, y.0), h = Swift.min(x.1, y.1)
                    if l <= h { next.append((l, h)) }
                }
            }
            allowed = next
            if allowed.isEmpty { return nil }
        }
        // Pieces split at ±π belong together.
        if let first = allowed.firstIndex(where: { $0.0 <= -Double.pi + 1e-12 }),
            let last = allowed.firstIndex(where: { $0.1 >= Double.pi - 1e-12 }), first != last
        {
            let joined = (allowed[last].0 - 2 * Double.pi, allowed[first].1)
            allowed = allowed.enumerated().filter { $0.offset != first && $0.offset != last }.map(\.element)
            allowed.append(joined)
        }
        var best = allowed[0], bestDistance = Double.infinity
        for x in allowed {
            let d = x.0 <= 0 && 0 <= x.1 ? 0 : Swift.min(abs(x.0), abs(x.1))
            if d < bestDistance { bestDistance = d; best = x }
        }
        return (best.0, best.1)
    }

    /// [u, v] (v − u ≤ 2π) as intervals within [−π, π].
    static func wrapped(_ u: Double, _ v: Double) -> [(Double, Double)] {
        var u = u, v = v
        while u > Double.pi { u -= 2 * Double.pi; v -= 2 * Double.pi }
        while u < -Double.pi { u += 2 * Double.pi; v += 2 * Double.pi }
        if v <= Double.pi { return [(u, v)] }
        return [(u, Double.pi), (-Double.pi, v - 2 * Double.pi)]
    }
}

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
        var scored = scoreSpan(f, count: count, &s)
        // The lattice is coarse for the cost's sharpest fringes: the best nodes are re-scored on a finer
        // sub-lattice (± a third of a step) and ranked by their best sub-node.
        let coarse = bestSpanNodes(
            count: count, want: max(1, configuration.arcSpanRefinedNodes, configuration.arcSpanCandidates), &s)
        var ranked: [(offset: SIMD2<Double>, cost: Double)] = coarse
        if configuration.arcSpanRefinedNodes > 0 && !coarse.isEmpty {
            let h = configuration.arcSpanStepWavelengths * wavelength / 3
            var n = 0
            for c in coarse {
                for i in -1...1 {
                    for j in -1...1 where i != 0 || j != 0 {
                        s.spanNodes[n] = c.offset + SIMD2(Double(i) * h, Double(j) * h); n += 1
                    }
                }
            }
            scored += scoreSpan(f, count: n, &s)
            for ci in coarse.indices {
                for m in 0..<8 where s.spanCosts[ci * 8 + m] < ranked[ci].cost {
                    ranked[ci] = (s.spanNodes[ci * 8 + m], s.spanCosts[ci * 8 + m])
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

    /// The frame loaded in `s.match`, in Float32 for the span costs.
    func loadSpanChannel(_ s: inout LocalizerScratch) {
        for i in 0..<s.spanHRe.count {
            s.spanHRe[i] = Float(s.match.hRe[i]); s.spanHIm[i] = Float(s.match.hIm[i])
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
    func scoreSpan(_ f: SpanFrame, count: Int, _ s: inout LocalizerScratch) -> Int {
        let k = spanLattice?.samples ?? 1
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
                                    UnsafeBufferPointer(rebasing: p[0..<(n * k)]), re: re.baseAddress!,
                                    im: im.baseAddress!, scratch: v)
                            }
                        }
                    }
                }
                for b in 0..<n { s.spanCosts[s.spanBatch[b]] = spanCost(node: b, samples: k, &s) }
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

    /// The span cost of the node whose K channels are at `s.spanRe/spanIm[node·K·N…]` (Float32, split,
    /// subcarrier-major), for the frame in `s.spanHRe/spanHIm`: Gram matrix and correlations in Float32 vectors
    /// summed in Float64, a complex Cholesky factor of the regularised Gram matrix, ‖L⁻¹b‖² maximised over the delay
    /// grid under a timing nuisance.
    func spanCost(node: Int, samples k: Int, _ s: inout LocalizerScratch) -> Double {
        let na = model.antennaCount, ns = model.subcarrierCount, n = na * ns
        let energy = s.match.energy
        let timing = configuration.nuisance == .phaseGainAndTiming
        var trace = 0.0
        s.spanRe.withUnsafeBufferPointer { reb in
            s.spanIm.withUnsafeBufferPointer { imb in
                s.spanHRe.withUnsafeBufferPointer { hrb in
                    s.spanHIm.withUnsafeBufferPointer { hib in
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
        // ‖L⁻¹ b‖² for b = Σ_k w_k b_{·,k}: the summed b (no timing), or each delay of the grid, then at the vertex
        // of the parabola through the best delay and its neighbours (the grid is ≈ half the delay resolution).
        guard timing else {
            for p in 0..<k { s.spanW[2 * p] = s.spanB[2 * p]; s.spanW[2 * p + 1] = s.spanB[2 * p + 1] }
            let q2 = spanProjection(k, &s)
            return q2.isFinite ? max(0, energy - q2) : .nan
        }
        let delays = spanDelays.count
        var best = 0.0, bestIndex = 0
        for m in 0..<delays {
            spanDelayWeights(index: m, tau: nil, k: k, &s)
            let q2 = spanProjection(k, &s)
            s.spanQ[m] = q2
            if q2 > best { best = q2; bestIndex = m }
        }
        if delays >= 3 {
            let y0 = s.spanQ[(bestIndex + delays - 1) % delays], y1 = best, y2 = s.spanQ[(bestIndex + 1) % delays]
            let curvature = y0 - 2 * y1 + y2
            if curvature < 0 {
                let shift = Swift.max(-0.5, Swift.min(0.5, 0.5 * (y0 - y2) / curvature))
                let step = spanDelays[1] - spanDelays[0]
                spanDelayWeights(index: nil, tau: spanDelays[bestIndex] + shift * step, k: k, &s)
                best = Swift.max(best, spanProjection(k, &s))
            }
        }
        return best.isFinite ? max(0, energy - best) : .nan
    }

    /// b_p(τ) = Σ_k e^{jω_kτ} b_{p,k} into `s.spanW`, for grid delay `index` or the delay `tau`.
    func spanDelayWeights(index: Int?, tau: Double?, k: Int, _ s: inout LocalizerScratch) {
        let ns = model.subcarrierCount
        if let tau {
            for sub in 0..<ns {
                let (sn, cs) = sinCos(spanOmega[sub] * tau)
                s.spanPhasor[2 * sub] = cs; s.spanPhasor[2 * sub + 1] = sn
            }
        } else if let m = index {
            for sub in 0..<ns {
                s.spanPhasor[2 * sub] = spanDelayRe[m * ns + sub]; s.spanPhasor[2 * sub + 1] = spanDelayIm[m * ns + sub]
            }
        }
        for p in 0..<k {
            var re = 0.0, im = 0.0
            for sub in 0..<ns {
                let wr = s.spanPhasor[2 * sub], wi = s.spanPhasor[2 * sub + 1]
                let br = s.spanB[2 * (p * ns + sub)], bi = s.spanB[2 * (p * ns + sub) + 1]
                re += wr * br - wi * bi; im += wr * bi + wi * br
            }
            s.spanW[2 * p] = re; s.spanW[2 * p + 1] = im
        }
    }

    /// ‖L⁻¹ w‖² for w = `s.spanW` and the factor in `s.spanL` (forward substitution).
    func spanProjection(_ k: Int, _ s: inout LocalizerScratch) -> Double {
        var q2 = 0.0
        for p in 0..<k {
            var re = s.spanW[2 * p], im = s.spanW[2 * p + 1]
            for q in 0..<p {
                let lr = s.spanL[2 * (p * k + q)], li = s.spanL[2 * (p * k + q) + 1]
                let yr = s.spanY[2 * q], yi = s.spanY[2 * q + 1]
                re -= lr * yr - li * yi; im -= lr * yi + li * yr
            }
            let d = s.spanL[2 * (p * k + p)]
            s.spanY[2 * p] = re / d; s.spanY[2 * p + 1] = im / d
            q2 += s.spanY[2 * p] * s.spanY[2 * p] + s.spanY[2 * p + 1] * s.spanY[2 * p + 1]
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
