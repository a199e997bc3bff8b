import CSIChannel
import CSINumerics

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

/// One resolution of the span costs: which antennas and subcarriers take part (every `antennaStride`-th and
/// `subcarrierStride`-th, from the first) and, under a timing nuisance, the delay grid of the kept subcarriers.
/// The span stage's lattice and sub-lattice may use a decimated level (every other antenna by default on long
/// half-wavelength arrays: half the values and Gram work per node); the span ambiguity stage and its map use the full
/// one.
struct SpanLevel: Sendable {
    let antennaStride: Int, subcarrierStride: Int
    /// Kept antennas and subcarriers (n_a, n_s).
    let antennas: Int, subcarriers: Int
    /// Indices of the kept entries in the measured channel's subcarrier-major split layout (k·N_a + j).
    let entries: [Int]
    /// ω_k = 2π(f_k − f_ref) of the kept subcarriers; the delay grid τ_m (2n_s delays over one period of their
    /// spacing) and e^{jω_kτ_m} (m-major). Empty without a timing nuisance.
    let omega: [Double]
    let delays: [Double]
    let delayRe: [Double], delayIm: [Double]
    /// Δω when the kept subcarriers are evenly spaced (`SubcarrierPlan.uniformSpacing`), else nil; then e^{jdΔωτ_m}
    /// for the lags d = 0 … n_s − 1 at each grid delay (m-major), for `Localizer.spanTimingByLags`.
    let lagStep: Double?
    let lagRe: [Double], lagIm: [Double]

    init(
        frequencies: [Double], antennas na: Int, reference: Double, antennaStride: Int, subcarrierStride: Int,
        timing: Bool
    ) {
        self.antennaStride = antennaStride; self.subcarrierStride = subcarrierStride
        let keptAntennas = Array(Swift.stride(from: 0, to: na, by: antennaStride))
        let keptSubcarriers = Array(Swift.stride(from: 0, to: frequencies.count, by: subcarrierStride))
        antennas = keptAntennas.count; subcarriers = keptSubcarriers.count
        entries = keptSubcarriers.flatMap { k in keptAntennas.map { j in k * na + j } }
        guard timing else {
            omega = []; delays = []; delayRe = []; delayIm = []; lagStep = nil; lagRe = []; lagIm = []
            return
        }
        let f = keptSubcarriers.map { frequencies[$0] }
        let omega = f.map { 2 * Double.pi * ($0 - reference) }
        let ns = f.count
        let span = (f.max() ?? 0) - (f.min() ?? 0)
        let period = 1 / max(ns > 1 ? span / Double(ns - 1) : 1, 1)
        let m = max(2 * ns, 4)
        let delays = (0..<m).map { (Double($0) / Double(m) - 0.5) * period }
        var re = [Double](repeating: 0, count: m * ns), im = re
        for i in 0..<m {
            for k in 0..<ns {
                let (sn, cs) = sinCos(omega[k] * delays[i])
                re[i * ns + k] = cs; im[i * ns + k] = sn
            }
        }
        self.omega = omega; self.delays = delays; delayRe = re; delayIm = im
        // Evenly spaced as `NuisanceMatch` judges it (`SubcarrierPlan.uniformSpacing`).
        let dw = 2 * Double.pi * (SubcarrierPlan(frequencies: f).uniformSpacing ?? 0)
        let even = ns > 1 && dw != 0 && dw.isFinite
        lagStep = even ? dw : nil
        var lre = [Double](repeating: 0, count: even ? m * ns : 0), lim = lre
        if even {
            for i in 0..<m {
                for d in 0..<ns {
                    let (sn, cs) = sinCos(Double(d) * dw * delays[i])
                    lre[i * ns + d] = cs; lim[i * ns + d] = sn
                }
            }
        }
        lagRe = lre; lagIm = lim
    }
}
