import CSIChannel
import CSINumerics
import Numerics

extension MBINR {
    /// The dominant delay of each channel (seconds): the peak over τ of Σ_j |Σ_k H_jk e^{+j2π(f_k − f_r)τ}|²,
    /// a zero-padded inverse DFT over the subcarriers (`oversampling`·N_s points per period 1/Δf), searched in
    /// the period centred on the circular mean of all peaks so that delays do not wrap inside the area.
    /// `channels`: interleaved complex, antenna-major, count × 2·N_a·N_s.
    static func dominantDelays(channels: [Double], geometry: NeuralGeometry, oversampling: Int = 8) -> [Double] {
        let na = geometry.antennas.count, ns = geometry.frequencies.count, stride = 2 * na * ns
        let count = channels.count / stride
        let df = ns > 1 ? (geometry.frequencies.max()! - geometry.frequencies.min()!) / Double(ns - 1) : 1e6
        let period = 1 / df, grid = max(8, oversampling * ns)
        let offsets = geometry.frequencies.map { $0 - geometry.referenceFrequency }
        // Phasors e^{+j2π(f_k − f_r)τ_g} for every grid delay.
        var pr = [Double](repeating: 0, count: grid * ns), pi = pr
        for g in 0..<grid {
            let tau = period * Double(g) / Double(grid)
            for k in 0..<ns {
                let (s, c) = sinCos(2 * Double.pi * offsets[k] * tau); pr[g * ns + k] = c; pi[g * ns + k] = s
            }
        }
        var peaks = [Double](repeating: 0, count: count)
        for m in 0..<count {
            var bestP = -1.0, bestG = 0
            for g in 0..<grid {
                var p = 0.0
                for j in 0..<na {
                    var sr = 0.0, si = 0.0
                    for k in 0..<ns {
                        let hr = channels[m * stride + 2 * (j * ns + k)],
                            hi = channels[m * stride + 2 * (j * ns + k) + 1]
                        sr += hr * pr[g * ns + k] - hi * pi[g * ns + k]
                        si += hr * pi[g * ns + k] + hi * pr[g * ns + k]
                    }
                    p += sr * sr + si * si
                }
                if p > bestP { bestP = p; bestG = g }
            }
            peaks[m] = period * Double(bestG) / Double(grid)
        }
        // Unwrap into one period centred on the circular mean.
        var cs = 0.0, sn = 0.0
        for t in peaks { let (s, c) = sinCos(2 * Double.pi * t / period); cs += c; sn += s }
        var centre = Double.atan2(y: sn, x: cs) / (2 * Double.pi) * period
        if centre < 0 { centre += period }
        return peaks.map { t in
            var v = t
            while v < centre - period / 2 { v += period }
            while v >= centre + period / 2 { v -= period }
            return v
        }
    }

    /// Angle-resolved dominant delays (count × D, seconds): for each sample and each atom, the peak over τ of
    /// |Σ_jk H_jk e^{−j k_r μ_i·t_j} e^{+j2π(f_k − f_r)τ}|², i.e. the delay of the energy arriving along the atom's
    /// own array direction μ_i (conventional beamforming, then a zero-padded inverse DFT). Unwrapped into the
    /// period centred on the circular mean of the (all-atom) dominant delays.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func angleResolvedDelays(channels: [Double], oversampling: Int = 8) -> [Double] {
        let g = configuration.geometry, h = head
        let na = h.antennaCount, ns = h.subcarrierCount, P = rank, n = atomCount, stride = 2 * na * ns
        let count = channels.count / stride
        let df = ns > 1 ? (g.frequencies.max()! - g.frequencies.min()!) / Double(ns - 1) : 1e6
        let period = 1 / df, grid = max(8, oversampling * ns), kr = g.wavenumber
        let own = atomOwnDirections
        // Beam weights e^{−j k_r μ_i·t_j} (D × N_a) and delay phasors e^{+j2π(f_k − f_r)τ_g} (grid × N_s).
        var br = [Double](repeating: 0, count: n * na), bi = br
        for i in 0..<n {
            for j in 0..<na {
                var s = 0.0
                for q in 0..<P { s += own[i * P + q] * h.offsets[j * P + q] }
                let (sn, cs) = sinCos(-kr * s); br[i * na + j] = cs; bi[i * na + j] = sn
            }
        }
        var pr = [Double](repeating: 0, count: grid * ns), pi = pr
        for gi in 0..<grid {
            for k in 0..<ns {
                let (sn, cs) = sinCos(2 * Double.pi * h.frequencyOffsets[k] * period * Double(gi) / Double(grid))
                pr[gi * ns + k] = cs; pi[gi * ns + k] = sn
            }
        }
        let centre = Self.dominantDelays(channels: channels, geometry: g, oversampling: oversampling)
        var out = [Double](repeating: 0, count: count * n)
        var gr = [Double](repeating: 0, count: ns), gim = gr
        for m in 0..<count {
            let c = centre[m]
            for i in 0..<n {
                for k in 0..<ns {
                    var sr = 0.0, si = 0.0
                    for j in 0..<na {
                        let hr = channels[m * stride + 2 * (j * ns + k)],
                            hi = channels[m * stride + 2 * (j * ns + k) + 1]
                        sr += hr * br[i * na + j] - hi * bi[i * na + j]; si += hr * bi[i * na + j] + hi * br[i * na + j]
                    }
                    gr[k] = sr; gim[k] = si
                }
                var bestP = -1.0, bestG = 0
                for gi in 0..<grid {
                    var sr = 0.0, si = 0.0
                    for k in 0..<ns {
                        sr += gr[k] * pr[gi * ns + k] - gim[k] * pi[gi * ns + k];
                        si += gr[k] * pi[gi * ns + k] + gim[k] * pr[gi * ns + k]
                    }
                    let p = sr * sr + si * si
                    if p > bestP { bestP = p; bestG = gi }
                }
                // Unwrap next to the sample's dominant delay (itself unwrapped around the global centre).
                var v = period * Double(bestG) / Double(grid)
                while v < c - period / 2 { v += period }
                while v >= c + period / 2 { v -= period }
                out[m * n + i] = v
            }
        }
        return out
    }

    /// Initialisation (a) of docs/method.md §16.1: every atom's delay τ_i(x) pre-fitted to the sample's dominant
    /// delay, every direction to the atom's own direction. Call before `NeuralTrainer.train`.
    @discardableResult
    /// With `perAtom`, each atom's delay is pre-fitted to `angleResolvedDelays` instead (the delay of the energy
    /// arriving along its own direction).
    mutating func prefitDelays(
        positions: [Point3], channels: [Double], perAtom: Bool = true, epochs: Int = 20,
        learningRate: Double = 3e-3, seed: UInt64 = 1
    ) -> Double {
        let tau = Self.dominantDelays(channels: channels, geometry: configuration.geometry)
        let d = atomCount, own = atomOwnDirections
        var t = BranchTargets(positions: positions)
        t.delay =
            perAtom
            ? angleResolvedDelays(channels: channels).map { $0 / configuration.delayScale }
            : tau.flatMap { v in repeatElement(v / configuration.delayScale, count: d) }
        t.direction = positions.indices.flatMap { _ in own }
        // Wavefront curvature of a path of that length (a LoS-dominated guess; delays wrap at 1/Δf).
        t.curvature = tau.flatMap { v in
            repeatElement(1 / max(1, v * speedOfLight) / configuration.curvatureScale, count: d)
        }
        return fitBranches(t, epochs: epochs, learningRate: learningRate, seed: seed)
    }
}
