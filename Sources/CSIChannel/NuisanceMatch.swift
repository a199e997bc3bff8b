import CSINumerics

/// The phase-sensitive cost of candidate channels against one measured channel H, with the configured
/// nuisance parameters removed in closed form (docs/method.md §9). Shared by the localizer (one frame
/// against many candidate positions) and the trainers (each survey frame against the model's channel):
///
///   none:        C(F) = ‖H − F‖²
///   phase-gain:  C(F) = min_α ‖H − αF‖² = ‖H‖² − |⟨F,H⟩|²/‖F‖²
///   +timing:     C(F) = min_{α,τ} ‖H − α D(τ) F‖² = ‖H‖² − max_τ |S(τ)|²/‖F‖²,
///                S(τ) = Σ_k e^{jω_k τ} c_k,  c_k = Σ_j conj(F_jk) H_jk,  D(τ) = diag_k e^{−jω_k τ},
///
/// with ω_k = 2π(f_k − f_ref). The slope is found on a grid of 2N_s delays over one period of the
/// subcarrier spacing, then polished by Newton steps on |S(τ)|². Reused per frame (no allocation).
public struct NuisanceMatch: Sendable {
    /// Antennas (N_a) and subcarriers (N_s).
    public let na: Int, ns: Int
    /// The nuisance parameters removed in closed form.
    public let nuisance: NuisanceModel
    /// ω_k = 2π(f_k − f_ref), rad/s.
    public let omega: [Double]
    /// Δω when the subcarriers are evenly spaced (then S(τ) is summed by rotation: two sin/cos per τ, not N_s).
    let omegaStep: Double?
    /// Timing grid: τ_m, and the table e^{jω_k τ_m} subcarrier-major in vectors of four delays (for subcarrier k
    /// and delays 4v…4v + 3: the real parts at 2(k·V + v), the imaginary parts next; V = ⌈M/4⌉, zero past M).
    let tauGrid: [Double]
    let grid: [SIMD4<Double>]
    /// The measured channel (interleaved) and its energy.
    public internal(set) var h: [Double]
    /// ‖H‖² of the loaded channel.
    public internal(set) var energy: Double = 0
    /// The measured channel subcarrier-major and split (k·N_a + j), the layout of `ChannelModel.correlate`.
    public internal(set) var hRe: [Double], hIm: [Double]
    var cRe: [Double], cIm: [Double]

    /// A matcher for `antennas` × `frequencies` (Hz) channels; `reference` is f_ref (Hz) of the timing slope.
    public init(frequencies: [Double], antennas: Int, reference: Double, nuisance: NuisanceModel) {
        na = antennas; ns = frequencies.count
        self.nuisance = nuisance
        omega = frequencies.map { 2 * Double.pi * ($0 - reference) }
        omegaStep = SubcarrierPlan(frequencies: frequencies).uniformSpacing.map { 2 * Double.pi * $0 }
        let span = (frequencies.max() ?? 0) - (frequencies.min() ?? 0)
        let df = ns > 1 ? span / Double(ns - 1) : 1
        let period = 1 / max(df, 1)
        let m = max(2 * ns, 4)
        tauGrid = (0..<m).map { (Double($0) / Double(m) - 0.5) * period }
        let vectors = (m + 3) / 4
        var table = [SIMD4<Double>](repeating: .zero, count: 2 * vectors * ns)
        for k in 0..<ns {
            for i in 0..<m {
                let (s, c) = sinCos(omega[k] * tauGrid[i])
                table[2 * (k * vectors + i / 4)][i % 4] = c
                table[2 * (k * vectors + i / 4) + 1][i % 4] = s
            }
        }
        grid = table
        h = .init(repeating: 0, count: 2 * na * ns)
        hRe = .init(repeating: 0, count: na * ns); hIm = hRe
        cRe = .init(repeating: 0, count: ns); cIm = cRe
    }

    /// A matcher of the same subcarriers, reference and nuisance for `antennas` antennas (e.g. a subset of the
    /// array's): the subcarrier tables are shared with `other`, not rebuilt (copy-on-write storage).
    public init(sharing other: NuisanceMatch, antennas: Int) {
        na = antennas; ns = other.ns
        nuisance = other.nuisance; omega = other.omega; omegaStep = other.omegaStep
        tauGrid = other.tauGrid; grid = other.grid
        h = .init(repeating: 0, count: 2 * na * ns)
        hRe = .init(repeating: 0, count: na * ns); hIm = hRe
        cRe = .init(repeating: 0, count: ns); cIm = cRe
    }

    /// Loads a measured channel H (interleaved complex, antenna-major, N_a·N_s pairs) for the costs that follow.
    public mutating func load(_ measured: UnsafeBufferPointer<Double>) {
        let (na, ns) = (na, ns)
        var e = 0.0
        h.withUnsafeMutableBufferPointer { h in
            for i in 0..<h.count { h[i] = measured[i]; e += measured[i] * measured[i] }
        }
        energy = e
        hRe.withUnsafeMutableBufferPointer { re in
            hIm.withUnsafeMutableBufferPointer { im in
                for j in 0..<na {
                    for k in 0..<ns {
                        re[k * na + j] = measured[2 * (j * ns + k)]; im[k * na + j] = measured[2 * (j * ns + k) + 1]
                    }
                }
            }
        }
    }

    /// The cost of a candidate given by its correlations with the measured channel, c_k = Σ_j conj(F_jk)·H_jk
    /// (`correlations`: N_s complex, interleaved), and its energy ‖F‖² — what `ChannelModel.correlate` returns.
    /// Same quantity as `evaluate`, with `none` computed as ‖H‖² − 2·Re Σ_k c_k + ‖F‖² (the candidate scorer's
    /// form: exact to rounding of ‖H‖², which is all a ranking of grid candidates needs).
    public mutating func cost(
        correlations c: UnsafePointer<Double>, modelEnergy ff: Double
    )
        -> (cost: Double, alpha: (re: Double, im: Double), tau: Double)
    {
        // A model value that is not a number gives a cost that is not a number (the search flags it).
        var check = ff
        for k in 0..<ns { check += c[2 * k] + c[2 * k + 1] }
        if check.isNaN { return (.nan, (0, 0), 0) }
        switch nuisance {
        case .none:
            var re = 0.0
            for k in 0..<ns { re += c[2 * k] }
            return (max(0, energy - 2 * re + ff), (1, 0), 0)
        case .phaseAndGain:
            var re = 0.0, im = 0.0
            for k in 0..<ns { re += c[2 * k]; im += c[2 * k + 1] }
            guard ff > 0 else { return (energy, (0, 0), 0) }
            return (max(0, energy - (re * re + im * im) / ff), (re / ff, im / ff), 0)
        case .phaseGainAndTiming:
            for k in 0..<ns { cRe[k] = c[2 * k]; cIm[k] = c[2 * k + 1] }
            guard ff > 0 else { return (energy, (0, 0), 0) }
            return timingFit(modelEnergy: ff)
        }
    }

    /// The cost of candidate `f` (interleaved, antenna-major) and the nuisance estimate that achieves it.
    public mutating func evaluate(
        _ f: UnsafePointer<Double>
    ) -> (cost: Double, alpha: (re: Double, im: Double), tau: Double) {
        switch nuisance {
        case .none:
            var s = 0.0
            for i in 0..<h.count { let d = h[i] - f[i]; s += d * d }
            return (s, (1, 0), 0)
        case .phaseAndGain:
            var ff = 0.0, re = 0.0, im = 0.0
            for i in stride(from: 0, to: h.count, by: 2) {
                let fr = f[i], fi = f[i + 1], hr = h[i], hi = h[i + 1]
                ff += fr * fr + fi * fi; re += fr * hr + fi * hi; im += fr * hi - fi * hr
            }
            guard ff > 0 else { return (energy, (0, 0), 0) }
            return (max(0, energy - (re * re + im * im) / ff), (re / ff, im / ff), 0)
        case .phaseGainAndTiming:
            var ff = 0.0
            let (na, ns) = (na, ns)
            h.withUnsafeBufferPointer { h in
                cRe.withUnsafeMutableBufferPointer { cRe in
                    cIm.withUnsafeMutableBufferPointer { cIm in
                        cRe.update(repeating: 0); cIm.update(repeating: 0)
                        for j in 0..<na {
                            for k in 0..<ns {
                                let i = 2 * (j * ns + k)
                                let fr = f[i], fi = f[i + 1], hr = h[i], hi = h[i + 1]
                                ff += fr * fr + fi * fi
                                cRe[k] += fr * hr + fi * hi; cIm[k] += fr * hi - fi * hr
                            }
                        }
                    }
                }
            }
            guard ff > 0 else { return (energy, (0, 0), 0) }
            return timingFit(modelEnergy: ff)
        }
    }

    /// max over τ of |S(τ)|² from the current c_k (grid of 2N_s delays, then Newton), α and the cost.
    mutating func timingFit(modelEnergy ff: Double) -> (cost: Double, alpha: (re: Double, im: Double), tau: Double) {
        let (best, bestTau) = gridMaximum()
        var tau = bestTau
        let step = tauGrid.count > 1 ? tauGrid[1] - tauGrid[0] : 0
        // Newton on P = |S|² from the grid's best delay; stops once a step no longer moves τ measurably (the
        // iteration converges quadratically), and the last spectrum is then the one at τ.
        var s: (re: Double, im: Double)? = nil
        for _ in 0..<4 {
            let (s0, s1, s2) = spectrum(at: tau)
            // P = |S|², P' = 2 Re(conj S · S'), P'' = 2(|S'|² + Re(conj S · S''))
            let d1 = 2 * (s0.re * s1.re + s0.im * s1.im)
            let d2 = 2 * (s1.re * s1.re + s1.im * s1.im + s0.re * s2.re + s0.im * s2.im)
            guard d2 < 0 else { s = s0; break }
            let delta = max(-step, min(step, d1 / d2))
            guard abs(delta) > 1e-9 * step else { s = s0; break }
            tau -= delta
        }
        var at = s ?? spectrum(at: tau).0
        var p = at.re * at.re + at.im * at.im
        if p < best { tau = bestTau; at = spectrum(at: tau).0; p = at.re * at.re + at.im * at.im }
        return (max(0, energy - p / ff), (at.re / ff, at.im / ff), tau)
    }

    /// The grid delay of largest |S(τ_m)|² (the first of equal ones) and that power: S at every grid delay at once,
    /// four delays per vector, summed over the subcarriers in order.
    func gridMaximum() -> (power: Double, tau: Double) {
        let count = tauGrid.count, vectors = (count + 3) / 4
        var best = -1.0, bestTau = 0.0
        grid.withUnsafeBufferPointer { g in
            cRe.withUnsafeBufferPointer { cr in
                cIm.withUnsafeBufferPointer { ci in
                    // Blocks of up to four vectors (16 delays): eight accumulators stay in registers.
                    var v0 = 0
                    while v0 < vectors {
                        let width = min(4, vectors - v0)
                        var re = (SIMD4<Double>.zero, SIMD4<Double>.zero, SIMD4<Double>.zero, SIMD4<Double>.zero)
                        var im = re
                        for k in 0..<ns {
                            let a = SIMD4<Double>(repeating: cr[k]), b = SIMD4<Double>(repeating: ci[k])
                            let row = g.baseAddress! + 2 * (k * vectors + v0)
                            @inline(__always) func add(_ r: inout SIMD4<Double>, _ i: inout SIMD4<Double>, _ v: Int) {
                                let wr = row[2 * v], wi = row[2 * v + 1]
                                r = r.addingProduct(wr, a).addingProduct(-wi, b)
                                i = i.addingProduct(wr, b).addingProduct(wi, a)
                            }
                            add(&re.0, &im.0, 0)
                            if width > 1 { add(&re.1, &im.1, 1) }
                            if width > 2 { add(&re.2, &im.2, 2) }
                            if width > 3 { add(&re.3, &im.3, 3) }
                        }
                        for v in 0..<width {
                            let r = v == 0 ? re.0 : v == 1 ? re.1 : v == 2 ? re.2 : re.3
                            let i = v == 0 ? im.0 : v == 1 ? im.1 : v == 2 ? im.2 : im.3
                            let power = r * r + i * i
                            for lane in 0..<4 {
                                let m = 4 * (v0 + v) + lane
                                if m < count, power[lane] > best { best = power[lane]; bestTau = tauGrid[m] }
                            }
                        }
                        v0 += width
                    }
                }
            }
        }
        return (best, bestTau)
    }

    /// S(τ), S'(τ), S''(τ) from the current c_k.
    func spectrum(
        at tau: Double
    ) -> ((re: Double, im: Double), (re: Double, im: Double), (re: Double, im: Double)) {
        var s0 = (re: 0.0, im: 0.0), s1 = (re: 0.0, im: 0.0), s2 = (re: 0.0, im: 0.0)
        if let dw = omegaStep, ns > 0, ns <= 4096 {
            // e^{jω_kτ} = e^{jω_0τ}·(e^{jΔωτ})^k, re-anchored exactly every 64 subcarriers.
            var k0 = 0
            while k0 < ns {
                var (zi, zr) = sinCos(omega[k0] * tau)
                let (ri, rr) = sinCos(dw * tau)
                for k in k0..<min(ns, k0 + 64) {
                    let tr = zr * cRe[k] - zi * cIm[k], ti = zr * cIm[k] + zi * cRe[k]
                    let w = omega[k]
                    s0.re += tr; s0.im += ti
                    s1.re += -w * ti; s1.im += w * tr
                    s2.re += -w * w * tr; s2.im += -w * w * ti
                    let nr = zr * rr - zi * ri; zi = zr * ri + zi * rr; zr = nr
                }
                k0 += 64
            }
            return (s0, s1, s2)
        }
        for k in 0..<ns {
            let (sn, cs) = sinCos(omega[k] * tau)
            let tr = cs * cRe[k] - sn * cIm[k], ti = cs * cIm[k] + sn * cRe[k]
            let w = omega[k]
            s0.re += tr; s0.im += ti
            s1.re += -w * ti; s1.im += w * tr // j ω · t
            s2.re += -w * w * tr; s2.im += -w * w * ti // −ω² · t
        }
        return (s0, s1, s2)
    }
}

extension NuisanceMatch {
    /// A matcher for channels of `model` (its subcarriers and antennas), timing referred to the mean frequency.
    public init(model: some ChannelModel, nuisance: NuisanceModel) {
        let f = model.frequencies
        self.init(
            frequencies: f, antennas: model.antennaCount, reference: f.reduce(0, +) / Double(max(f.count, 1)),
            nuisance: nuisance)
    }

    /// Writes the measured channel loaded last, with the nuisance (α, τ) of `model` removed, into `out`:
    /// H·e^{+jω_kτ}/α — the channel as the model would have produced it. Leaves H unchanged when α = 0.
    public func align(alpha: (re: Double, im: Double), tau: Double, into out: UnsafeMutablePointer<Double>) {
        let a2 = alpha.re * alpha.re + alpha.im * alpha.im
        guard a2 > 0, a2.isFinite, tau.isFinite else {
            for i in 0..<h.count { out[i] = h[i] }
            return
        }
        for k in 0..<ns {
            let (sn, cs) = sinCos(omega[k] * tau)
            // (e^{jωτ} / α) = e^{jωτ} · conj(α) / |α|²
            let zr = (cs * alpha.re + sn * alpha.im) / a2, zi = (sn * alpha.re - cs * alpha.im) / a2
            for j in 0..<na {
                let i = 2 * (j * ns + k)
                let hr = h[i], hi = h[i + 1]
                out[i] = hr * zr - hi * zi; out[i + 1] = hr * zi + hi * zr
            }
        }
    }

    /// Real nuisance parameters estimated for a nuisance model.
    public static func degrees(_ n: NuisanceModel) -> Int {
        switch n {
        case .none: 0;
        case .phaseAndGain: 2;
        case .phaseGainAndTiming: 3
        }
    }
    /// max |ω_k|, the scale that makes the timing column of the Jacobian comparable to the others.
    public var omegaScale: Double { max(omega.map(abs).max() ?? 1, 1) }
}
