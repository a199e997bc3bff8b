import CSIChannel
import CSINumerics

extension Localizer {
    /// Cost ‖r‖², normal matrix JᵀJ and JᵀR (row-major, n × n and n) at parameters `p`.
    func linearize(
        _ p: [Double], tauScale: Double, _ s: inout LocalizerScratch
    ) -> (cost: Double, normal: [Double], gradient: [Double]) {
        linearize(p, tauScale: tauScale, using: refiner, &s)
    }

    /// The same on the model `evaluated`: one Jacobian evaluation, then the sums in registers — the loops over
    /// the parameters are unrolled for each shape (2-D or 3-D, with or without a gain and a timing offset), in the
    /// same order as a loop over them would take (so the same values to the last bit).
    func linearize(
        _ p: [Double], tauScale: Double, using evaluated: any ChannelModel, _ s: inout LocalizerScratch
    )
        -> (cost: Double, normal: [Double], gradient: [Double])
    {
        let d = region.dimension, n = parameterCount
        evaluateJacobian(at: position(p), using: evaluated, &s)
        let hasGain = n > d, hasTiming = n > d + 2
        let ar = hasGain ? p[d] : 1, ai = hasGain ? p[d + 1] : 0
        let tau = hasTiming ? p[d + 2] / tauScale : 0
        let sums: LinearSums
        switch (d, hasGain, hasTiming) {
        case (2, false, _): sums = linearSums(d: 2, gain: false, timing: false, ar, ai, tau, tauScale, &s)
        case (2, true, false): sums = linearSums(d: 2, gain: true, timing: false, ar, ai, tau, tauScale, &s)
        case (2, true, true): sums = linearSums(d: 2, gain: true, timing: true, ar, ai, tau, tauScale, &s)
        case (_, false, _): sums = linearSums(d: 3, gain: false, timing: false, ar, ai, tau, tauScale, &s)
        case (_, true, false): sums = linearSums(d: 3, gain: true, timing: false, ar, ai, tau, tauScale, &s)
        case (_, true, true): sums = linearSums(d: 3, gain: true, timing: true, ar, ai, tau, tauScale, &s)
        }
        var normal = [Double](repeating: 0, count: n * n), gradient = [Double](repeating: 0, count: n)
        for a in 0..<n {
            gradient[a] = sums.gradient[a]
            for b in 0...a { normal[a * n + b] = sums.normal[a * 6 + b]; normal[b * n + a] = sums.normal[a * 6 + b] }
        }
        return (sums.cost, normal, gradient)
    }

    /// ‖r‖², the lower triangle of JᵀJ (row-major in a 6 × 6 block) and JᵀR.
    struct LinearSums {
        var cost = 0.0
        var normal = SIMD64<Double>()
        var gradient = SIMD8<Double>()
    }

    /// The sums of `linearize` for `d` coordinates plus, with `gain`, the complex gain (2 real parameters) and, with
    /// `timing`, the scaled timing offset: residual r = H − β_k f with β_k = α e^{−jω_kτ}; columns β_k ∂f/∂x_c,
    /// e^{−jω_kτ} f, j e^{−jω_kτ} f and −j (ω_k/tauScale) β_k f. Inlined with constant shapes, so the parameter loops
    /// unroll and the sums stay in registers.
    @inline(__always)
    func linearSums(
        d: Int, gain: Bool, timing: Bool, _ ar: Double, _ ai: Double, _ tau: Double, _ tauScale: Double,
        _ s: inout LocalizerScratch
    ) -> LinearSums {
        let n = d + (gain ? 2 : 0) + (timing ? 1 : 0)
        let na = model.antennaCount, ns = model.subcarrierCount, m = model.valuesPerChannel
        var sums = LinearSums()
        var col = SIMD16<Double>()
        s.value.withUnsafeBufferPointer { vb in
            s.jacobian.withUnsafeBufferPointer { jb in
                s.match.h.withUnsafeBufferPointer { hb in
                    s.match.omega.withUnsafeBufferPointer { ob in
                        let f = vb.baseAddress!, jf = jb.baseAddress!, h = hb.baseAddress!
                        for k in 0..<ns {
                            let w = ob[k]
                            let (sn, cs) = sinCos(-w * tau)
                            // β = α e^{−jωτ}
                            let br = ar * cs - ai * sn, bi = ar * sn + ai * cs
                            for j in 0..<na {
                                let i = 2 * (j * ns + k)
                                let fr = f[i], fi = f[i + 1]
                                let mr = br * fr - bi * fi, mi = br * fi + bi * fr
                                let rr = h[i] - mr, ri = h[i + 1] - mi
                                sums.cost += rr * rr + ri * ri
                                for c in 0..<d {
                                    let dr = jf[c * m + i], di = jf[c * m + i + 1]
                                    col[2 * c] = br * dr - bi * di; col[2 * c + 1] = br * di + bi * dr
                                }
                                if gain {
                                    let gr = cs * fr - sn * fi, gi = cs * fi + sn * fr // e^{−jωτ} f
                                    col[2 * d] = gr; col[2 * d + 1] = gi
                                    col[2 * d + 2] = -gi; col[2 * d + 3] = gr
                                }
                                if timing {
                                    let q = w / tauScale // −j q M
                                    col[2 * d + 4] = q * mi; col[2 * d + 5] = -q * mr
                                }
                                for a in 0..<n {
                                    let car = col[2 * a], cai = col[2 * a + 1]
                                    sums.gradient[a] += car * rr + cai * ri
                                    for b in 0...a { sums.normal[a * 6 + b] += car * col[2 * b] + cai * col[2 * b + 1] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return sums
    }
}
