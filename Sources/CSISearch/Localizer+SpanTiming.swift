import CSIChannel
import CSINumerics

// The span cost under a timing nuisance: q(τ) = ‖L⁻¹ b(τ)‖², b_p(τ) = Σ_k e^{jω_kτ} b_{p,k}, maximised over the
// delay (docs/localization.md, "UEs at any height").
extension Localizer {
    /// max_τ q(τ) for the node whose factor is in `s.spanL` and correlations in `s.spanB`: from its lags when the
    /// subcarriers are evenly spaced, else on the delay grid; either way polished by Newton steps from the best grid
    /// delay (the grid alone, or a parabola through it, leaves a few per cent of the explained energy).
    /// Returns the maximum and the delay where it was met (q NaN when q is not a number).
    func spanTimingMaximum(_ lv: SpanLevel, k: Int, _ s: inout LocalizerScratch) -> (q: Double, tau: Double) {
        lv.lagStep != nil ? spanTimingByLags(lv, k: k, &s) : spanTimingOnGrid(lv, k: k, &s)
    }

    /// With ω_k = ω₀ + kΔω: y_k = L⁻¹ b_{·,k} per subcarrier, the lags R_d = Σ_l y_lᴴ y_{l+d}, then
    /// q(τ) = R₀ + 2 Re Σ_{d≥1} R_d e^{jdΔωτ} on the grid (tabulated phasors) and its derivatives for Newton:
    /// q′ = −2 Σ dΔω Im(R_d e^{jdΔωτ}), q″ = −2 Σ (dΔω)² Re(R_d e^{jdΔωτ}) — the same q as the grid's, in
    /// O(K²N_s + KN_s²) instead of O(N_s · 2N_s · K) per node.
    func spanTimingByLags(_ lv: SpanLevel, k: Int, _ s: inout LocalizerScratch) -> (q: Double, tau: Double) {
        guard let dw = lv.lagStep else { return (.nan, 0) }
        let ns = lv.subcarriers
        // On raw storage (the loops are O(K²N_s + KN_s²) scalar complex arithmetic; array checks cost as much).
        s.spanB.withUnsafeBufferPointer { bb in
            s.spanL.withUnsafeBufferPointer { lb in
                s.spanLInverse.withUnsafeBufferPointer { ib in
                    s.spanLagY.withUnsafeMutableBufferPointer { yb in
                        s.spanLag.withUnsafeMutableBufferPointer { rb in
                            let bp = bb.baseAddress!, lp = lb.baseAddress!, ip = ib.baseAddress!
                            let yp = yb.baseAddress!, rp = rb.baseAddress!
                            // y_k for every subcarrier, K complex each, at yp[2K·sub …]
                            for sub in 0..<ns {
                                for p in 0..<k {
                                    var re = bp[2 * (p * ns + sub)], im = bp[2 * (p * ns + sub) + 1]
                                    for q in 0..<p {
                                        let lr = lp[2 * (p * k + q)], li = lp[2 * (p * k + q) + 1]
                                        let yr = yp[2 * (sub * k + q)], yi = yp[2 * (sub * k + q) + 1]
                                        re -= lr * yr - li * yi; im -= lr * yi + li * yr
                                    }
                                    let inverse = ip[p]
                                    yp[2 * (sub * k + p)] = re * inverse; yp[2 * (sub * k + p) + 1] = im * inverse
                                }
                            }
                            // R_d, d = 0 … n_s − 1
                            for d in 0..<ns {
                                var re = 0.0, im = 0.0
                                for l in 0..<(ns - d) {
                                    let a = 2 * l * k, b = 2 * (l + d) * k
                                    for p in 0..<k {
                                        let ar = yp[a + 2 * p], ai = yp[a + 2 * p + 1]
                                        let br = yp[b + 2 * p], bi = yp[b + 2 * p + 1]
                                        re += ar * br + ai * bi; im += ar * bi - ai * br
                                    }
                                }
                                rp[2 * d] = re; rp[2 * d + 1] = im
                            }
                        }
                    }
                }
            }
        }
        let delays = lv.delays.count
        var best = -Double.infinity, bestIndex = 0
        for m in 0..<delays {
            var q = s.spanLag[0]
            for d in 1..<ns {
                q += 2 * (s.spanLag[2 * d] * lv.lagRe[m * ns + d] - s.spanLag[2 * d + 1] * lv.lagIm[m * ns + d])
            }
            if q > best { best = q; bestIndex = m }
        }
        guard best.isFinite else { return (.nan, 0) }
        let polished = Self.newtonMaximum(from: lv.delays[bestIndex], step: lv.delays[1] - lv.delays[0]) { tau in
            let (sn, cs) = sinCos(dw * tau)
            var pr = 1.0, pi = 0.0 // e^{jdΔωτ}, by recurrence
            var q = s.spanLag[0], d1 = 0.0, d2 = 0.0
            for d in 1..<ns {
                (pr, pi) = (pr * cs - pi * sn, pr * sn + pi * cs)
                let w = Double(d) * dw
                let zr = s.spanLag[2 * d] * pr - s.spanLag[2 * d + 1] * pi
                let zi = s.spanLag[2 * d] * pi + s.spanLag[2 * d + 1] * pr
                q += 2 * zr; d1 -= 2 * w * zi; d2 -= 2 * w * w * zr
            }
            return (q, d1, d2)
        }
        if polished.q.isNaN { return (.nan, 0) }
        return polished.q > best ? polished : (best, lv.delays[bestIndex])
    }

    /// The largest q met by Newton steps on q(τ) from `tau` (`derivatives` gives q, q′, q″) and its delay: at most
    /// 4, each within half a grid `step`; stops where q is not concave or the step is negligible. NaN when q is not
    /// a number.
    static func newtonMaximum(
        from tau: Double, step: Double, _ derivatives: (Double) -> (q: Double, d1: Double, d2: Double)
    ) -> (q: Double, tau: Double) {
        var tau = tau, best = -Double.infinity, bestTau = tau
        for _ in 0..<4 {
            let (q, d1, d2) = derivatives(tau)
            guard q.isFinite else { return (.nan, tau) }
            if q > best { best = q; bestTau = tau }
            guard d2 < 0 else { break }
            let move = Swift.max(-0.5 * step, Swift.min(0.5 * step, -d1 / d2))
            guard abs(move) > 1e-6 * step else { break }
            tau += move
        }
        return (best, bestTau)
    }

    /// Any subcarrier spacing: q on the grid of 2N_s delays (b(τ) per delay, then ‖L⁻¹b‖²), then polished.
    func spanTimingOnGrid(_ lv: SpanLevel, k: Int, _ s: inout LocalizerScratch) -> (q: Double, tau: Double) {
        let delays = lv.delays.count
        var best = 0.0, bestIndex = 0
        for m in 0..<delays {
            spanDelayWeights(lv, index: m, tau: nil, k: k, &s)
            let q2 = spanProjection(k, &s)
            s.spanQ[m] = q2
            if q2 > best { best = q2; bestIndex = m }
        }
        let grid = (q: best, tau: delays > 0 ? lv.delays[bestIndex] : 0)
        guard delays >= 2 else { return grid }
        let polished = spanDelayPolish(lv, from: lv.delays[bestIndex], k: k, &s)
        // A NaN from the polish leaves the grid's maximum (as `max` did).
        return polished.q > grid.q ? polished : grid
    }

    /// The largest q(τ) = ‖L⁻¹ b(τ)‖² met by Newton steps on q from `tau` (at most 4, each within half a grid step;
    /// q′ = 2 Re yᴴy′, q″ = 2 Re yᴴy″ + 2‖y′‖² with y⁽ⁱ⁾ = L⁻¹ b⁽ⁱ⁾(τ)); stops where q is not concave.
    func spanDelayPolish(
        _ lv: SpanLevel, from tau: Double, k: Int, _ s: inout LocalizerScratch
    ) -> (q: Double, tau: Double) {
        Self.newtonMaximum(from: tau, step: lv.delays[1] - lv.delays[0]) { tau in
            spanDelayDerivatives(lv, tau: tau, k: k, &s)
            var q = 0.0, d1 = 0.0, d2 = 0.0
            for order in 0..<3 {
                let qo = spanProjection(k, offset: 2 * k * order, &s)
                if order == 0 { q = qo } else if order == 1 { d2 += 2 * qo }
            }
            for p in 0..<k {
                let yr = s.spanY[2 * p], yi = s.spanY[2 * p + 1]
                d1 += 2 * (yr * s.spanY[2 * (k + p)] + yi * s.spanY[2 * (k + p) + 1])
                d2 += 2 * (yr * s.spanY[2 * (2 * k + p)] + yi * s.spanY[2 * (2 * k + p) + 1])
            }
            return (q, d1, d2)
        }
    }

    /// b(τ), b′(τ) and b″(τ) (b_p = Σ_k e^{jω_kτ} b_{p,k}) into `s.spanW` at offsets 0, 2K and 4K.
    func spanDelayDerivatives(_ lv: SpanLevel, tau: Double, k: Int, _ s: inout LocalizerScratch) {
        let ns = lv.subcarriers
        for sub in 0..<ns {
            let (sn, cs) = sinCos(lv.omega[sub] * tau)
            s.spanPhasor[2 * sub] = cs; s.spanPhasor[2 * sub + 1] = sn
        }
        for p in 0..<k {
            var re = 0.0, im = 0.0, re1 = 0.0, im1 = 0.0, re2 = 0.0, im2 = 0.0
            for sub in 0..<ns {
                let wr = s.spanPhasor[2 * sub], wi = s.spanPhasor[2 * sub + 1], w = lv.omega[sub]
                let br = s.spanB[2 * (p * ns + sub)], bi = s.spanB[2 * (p * ns + sub) + 1]
                let tr = wr * br - wi * bi, ti = wr * bi + wi * br
                re += tr; im += ti
                // d/dτ multiplies each term by jω: (tr, ti) → ω(−ti, tr); twice: −ω²(tr, ti).
                re1 -= w * ti; im1 += w * tr
                re2 -= w * w * tr; im2 -= w * w * ti
            }
            s.spanW[2 * p] = re; s.spanW[2 * p + 1] = im
            s.spanW[2 * (k + p)] = re1; s.spanW[2 * (k + p) + 1] = im1
            s.spanW[2 * (2 * k + p)] = re2; s.spanW[2 * (2 * k + p) + 1] = im2
        }
    }

    /// b_p(τ) = Σ_k e^{jω_kτ} b_{p,k} into `s.spanW`, for grid delay `index` or the delay `tau`.
    func spanDelayWeights(_ lv: SpanLevel, index: Int?, tau: Double?, k: Int, _ s: inout LocalizerScratch) {
        let ns = lv.subcarriers
        if let tau {
            for sub in 0..<ns {
                let (sn, cs) = sinCos(lv.omega[sub] * tau)
                s.spanPhasor[2 * sub] = cs; s.spanPhasor[2 * sub + 1] = sn
            }
        } else if let m = index {
            for sub in 0..<ns {
                s.spanPhasor[2 * sub] = lv.delayRe[m * ns + sub]; s.spanPhasor[2 * sub + 1] = lv.delayIm[m * ns + sub]
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
}
