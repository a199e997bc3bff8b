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
    }

    /// Working memory for one transform.
    struct Workspace: Sendable {
        /// The antenna DFT A, (2N_a) × N_s complex, and the image B, (2N_a) × (2N_s) complex (interleaved).
        var a: [Double], b: [Double]
        /// Powers of the un-padded bins, for the noise median.
        var evenPower: [Double]
        init(_ t: AngleDelayTransform) {
            a = .init(repeating: 0, count: 4 * t.antennas * t.subcarriers)
            b = .init(repeating: 0, count: 8 * t.antennas * t.subcarriers)
            evenPower = .init(repeating: 0, count: t.antennas * t.subcarriers)
        }
    }

    /// Writes the unit-norm magnitudes of the angle–delay image of `h` (interleaved, antenna-major) into
    /// `out` (`featureCount` Floats) and returns the per-entry noise variance estimated from the median
    /// power of the N_a·N_s un-padded bins (median of an exponential = ln 2 · mean).
    @discardableResult
    func image(
        of h: UnsafePointer<Double>, into out: UnsafeMutablePointer<Float>,
        workspace w: inout Workspace
    ) -> Double {
        let na = antennas, ns = subcarriers, np = 2 * na, nq = 2 * ns
        let timingInvariant = timingInvariant
        return w.a.withUnsafeMutableBufferPointer { a in
            w.b.withUnsafeMutableBufferPointer { b in
                w.evenPower.withUnsafeMutableBufferPointer { even in
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
                    var e = 0
                    for p in 0..<np {
                        for q in 0..<nq {
                            let pw = b[p * nq + q]
                            out[p * nq + q] = Float(pw.squareRoot() * scale)
                            if p % 2 == 0 && q % 2 == 0 { even[e] = pw; e += 1 }
                        }
                    }
                    let median = Selection.kthSmallest(even, even.count / 2)
                    return median / log(2.0) / Double(na * ns)
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
