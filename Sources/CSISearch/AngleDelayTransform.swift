import CSINumerics
import Foundation

/// The angle–delay image of a channel: |2-D DFT| of H zero-padded ×2 over (antenna, subcarrier), the
/// global measure of §16.2. A path is a peak at its (direction cosine, delay) bin whatever its phase, so
/// the normalised magnitudes of two channels are close whenever their paths' directions and delays are,
/// independently of the carrier phase that makes the phase-sensitive cost ripple every λ₀.
///
/// With `timingInvariant`, an unknown timing offset (a linear phase e^{−jkθ} across the uniformly spaced
/// subcarriers, i.e. a shift of every delay) must not move the features. Each channel is first aligned on
/// its own mean delay: the lag-one product r₁ = Σ_{p,k} A_p(k+1)·conj(A_p(k)) (A_p the zero-padded antenna
/// DFT at subcarrier k) turns by exactly e^{−jθ} under the offset, so multiplying A_p(k) by e^{−jk·arg r₁}
/// gives the same channel whatever the offset. The image of the aligned channel keeps every direction and
/// every relative delay — also between paths from different directions, which carry the range (see
/// docs/localization.md, "Unsynchronised frames"). r₁ is a smooth function of the channel, so nearby
/// positions stay nearby in feature space.
///
/// Both DFTs are complex matrix products through BLAS (`BLAS.zgemm`) with precomputed twiddles; an image costs
/// 2N_a·N_s·(N_a + 2N_s) complex MACs.
public struct AngleDelayTransform: Sendable {
    let antennas: Int
    public let subcarriers: Int
    let timingInvariant: Bool
    /// Length of a feature vector: (2N_a)·(2N_s) magnitudes.
    var featureCount: Int { 4 * antennas * subcarriers }
    /// W^{pj} for the zero-padded antenna DFT, (2N_a) × N_a complex, interleaved, row-major.
    let antennaTwiddles: [Double]
    /// W^{qk} for the zero-padded subcarrier DFT, (2N_s) × N_s complex, interleaved, row-major.
    let subcarrierTwiddles: [Double]
    /// The noise estimate's un-padded DFTs with a Hann window folded in (w_j W^{pj}, N_a × N_a, and v_k W^{qk},
    /// N_s × N_s, complex, interleaved, row-major), and Σw²·Σv² — what the window leaves of white noise's power.
    let noiseAntennaTwiddles: [Double], noiseSubcarrierTwiddles: [Double]
    let noiseGain: Double

    public init(antennas: Int, subcarriers: Int, timingInvariant: Bool = false) {
        self.antennas = antennas; self.subcarriers = subcarriers; self.timingInvariant = timingInvariant
        func table(_ n: Int) -> [Double] {
            var w = [Double](repeating: 0, count: 4 * n * n)
            for p in 0..<(2 * n) {
                for j in 0..<n {
                    let phi = -2 * Double.pi * Double(p * j) / Double(2 * n)
                    w[2 * (p * n + j)] = cos(phi); w[2 * (p * n + j) + 1] = sin(phi)
                }
            }
            return w
        }
        antennaTwiddles = table(antennas)
        subcarrierTwiddles = table(subcarriers)
        // w_j = sin²(π(j + 1)/(n + 1)): a Hann window without its zero end points (1 for a single element).
        func window(_ n: Int) -> [Double] { (0..<n).map { pow(sin(Double.pi * Double($0 + 1) / Double(n + 1)), 2) } }
        func windowed(_ n: Int) -> [Double] {
            let w = window(n)
            var t = [Double](repeating: 0, count: 2 * n * n)
            for p in 0..<n {
                for j in 0..<n {
                    let phi = -2 * Double.pi * Double(p * j) / Double(n)
                    t[2 * (p * n + j)] = w[j] * cos(phi); t[2 * (p * n + j) + 1] = w[j] * sin(phi)
                }
            }
            return t
        }
        noiseAntennaTwiddles = windowed(antennas)
        noiseSubcarrierTwiddles = windowed(subcarriers)
        noiseGain = window(antennas).reduce(0) { $0 + $1 * $1 } * window(subcarriers).reduce(0) { $0 + $1 * $1 }
    }

    /// Working memory for one transform.
    struct Workspace: Sendable {
        /// The antenna DFT A, (2N_a) × N_s complex, and the image B, (2N_a) × (2N_s) complex (interleaved).
        var a: [Double], b: [Double]
        /// The windowed un-padded DFTs (N_a × N_s complex each) and their bins' powers, for the noise median.
        var noiseA: [Double], noiseB: [Double], noisePower: [Double]
        init(_ t: AngleDelayTransform) {
            a = .init(repeating: 0, count: 4 * t.antennas * t.subcarriers)
            b = .init(repeating: 0, count: 8 * t.antennas * t.subcarriers)
            noiseA = .init(repeating: 0, count: 2 * t.antennas * t.subcarriers)
            noiseB = .init(repeating: 0, count: 2 * t.antennas * t.subcarriers)
            noisePower = .init(repeating: 0, count: t.antennas * t.subcarriers)
        }
    }

    /// Writes the unit-norm magnitudes of the angle–delay image of `h` (interleaved, antenna-major) into
    /// `out` (`featureCount` Floats). The frame's noise is a separate call (`noiseVariance(of:workspace:)`): the
    /// dictionary's model channels have none.
    func image(
        of h: UnsafePointer<Double>, into out: UnsafeMutablePointer<Float>,
        workspace w: inout Workspace
    ) {
        let na = antennas, ns = subcarriers, np = 2 * na, nq = 2 * ns
        let timingInvariant = timingInvariant
        w.a.withUnsafeMutableBufferPointer { a in
            w.b.withUnsafeMutableBufferPointer { b in
                let a = a.baseAddress!, b = b.baseAddress!
                // A[p][k] = Σ_j W^{pj} H[j][k]
                antennaTwiddles.withUnsafeBufferPointer {
                    BLAS.zgemm(m: np, n: ns, k: na, a: $0.baseAddress!, lda: na, b: h, ldb: ns, c: a, ldc: ns)
                }
                if timingInvariant { Self.alignMeanDelay(a, rows: np, columns: ns) }
                // B[p][q] = Σ_k A[p][k] W^{qk}
                subcarrierTwiddles.withUnsafeBufferPointer {
                    BLAS.zgemm(
                        transB: true, m: np, n: nq, k: ns, a: a, lda: ns, b: $0.baseAddress!, ldb: ns, c: b,
                        ldc: nq)
                }
                var total = 0.0
                for i in 0..<(np * nq) {
                    let pw = b[2 * i] * b[2 * i] + b[2 * i + 1] * b[2 * i + 1]
                    b[i] = pw // powers overwrite the front half (index i ≤ 2i: never read again)
                    total += pw
                }
                let scale = total > 0 ? 1 / total.squareRoot() : 0
                for i in 0..<(np * nq) { out[i] = Float(b[i].squareRoot() * scale) }
            }
        }
    }

    /// The per-entry noise variance σ² of `h` (interleaved, antenna-major): the median power of the N_a·N_s bins of
    /// its Hann-windowed (un-padded) 2-D DFT / ln 2 (median of an exponential = ln 2 · mean) / Σw²Σv² (the window's
    /// share of white noise). It reads high where paths cover more than half the bins. The window matters: without
    /// it the paths' sidelobes (−13 dB, slowly decaying) fill the median bins, and a noiseless street frame read as
    /// ≈ 3 % of its energy (about 15 dB SNR) and frames at 20 dB as ≈ 5× their noise; with it ≈ 6·10⁻⁵ and ≈ 1.4×
    /// (docs/localization.md, "The noise estimate").
    func noiseVariance(of h: UnsafePointer<Double>, workspace w: inout Workspace) -> Double {
        let na = antennas, ns = subcarriers
        return w.noiseA.withUnsafeMutableBufferPointer { a in
            w.noiseB.withUnsafeMutableBufferPointer { b in
                w.noisePower.withUnsafeMutableBufferPointer { power in
                    let a = a.baseAddress!, b = b.baseAddress!
                    // A[p][k] = Σ_j w_j W^{pj} H[j][k]; B[p][q] = Σ_k A[p][k] v_k W^{qk}
                    noiseAntennaTwiddles.withUnsafeBufferPointer {
                        BLAS.zgemm(m: na, n: ns, k: na, a: $0.baseAddress!, lda: na, b: h, ldb: ns, c: a, ldc: ns)
                    }
                    noiseSubcarrierTwiddles.withUnsafeBufferPointer {
                        BLAS.zgemm(
                            transB: true, m: na, n: ns, k: ns, a: a, lda: ns, b: $0.baseAddress!, ldb: ns, c: b,
                            ldc: ns)
                    }
                    for i in 0..<(na * ns) { power[i] = b[2 * i] * b[2 * i] + b[2 * i + 1] * b[2 * i + 1] }
                    let median = Selection.kthSmallest(power, power.count / 2)
                    return median / log(2.0) / noiseGain
                }
            }
        }
    }

    /// Removes the channel's own mean-delay slope from the antenna DFT `a` (rows × columns complex, interleaved;
    /// see the type's comment).
    private static func alignMeanDelay(_ a: UnsafeMutablePointer<Double>, rows np: Int, columns ns: Int) {
        guard ns > 1 else { return }
        var rr = 0.0, ri = 0.0
        for p in 0..<np {
            for k in 0..<(ns - 1) {
                let i = 2 * (p * ns + k)
                let ar = a[i + 2], ai = a[i + 3], br = a[i], bi = a[i + 1]
                rr += ar * br + ai * bi; ri += ai * br - ar * bi
            }
        }
        let slope = atan2(ri, rr)
        guard slope != 0, slope.isFinite else { return }
        for k in 1..<ns {
            let c = cos(Double(k) * slope), s = -sin(Double(k) * slope)
            for p in 0..<np {
                let i = 2 * (p * ns + k)
                let ar = a[i], ai = a[i + 1]
                a[i] = ar * c - ai * s; a[i + 1] = ar * s + ai * c
            }
        }
    }
}
