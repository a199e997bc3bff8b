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
/// Twiddles are precomputed; `image(of:into:workspace:)` costs 2N_a·N_s·(N_a + 2N_s) complex MACs.
public struct AngleDelayTransform: Sendable {
    let antennas: Int
    public let subcarriers: Int
    let timingInvariant: Bool
    /// Length of a feature vector: (2N_a)·(2N_s) magnitudes.
    var featureCount: Int { 4 * antennas * subcarriers }
    let antennaRe: [Double], antennaIm: [Double] // (2N_a) × N_a
    let subcarrierRe: [Double], subcarrierIm: [Double] // (2N_s) × N_s

    public init(antennas: Int, subcarriers: Int, timingInvariant: Bool = false) {
        self.antennas = antennas; self.subcarriers = subcarriers; self.timingInvariant = timingInvariant
        func table(_ n: Int) -> ([Double], [Double]) {
            var re = [Double](repeating: 0, count: 2 * n * n), im = re
            for p in 0..<(2 * n) {
                for j in 0..<n {
                    let phi = -2 * Double.pi * Double(p * j) / Double(2 * n)
                    re[p * n + j] = cos(phi); im[p * n + j] = sin(phi)
                }
            }
            return (re, im)
        }
        (antennaRe, antennaIm) = table(antennas)
        (subcarrierRe, subcarrierIm) = table(subcarriers)
    }

    /// Working memory for one transform.
    struct Workspace: Sendable {
        var aRe: [Double], aIm: [Double], power: [Double], evenPower: [Double]
        init(_ t: AngleDelayTransform) {
            aRe = .init(repeating: 0, count: 2 * t.antennas * t.subcarriers); aIm = aRe
            power = .init(repeating: 0, count: 4 * t.antennas * t.subcarriers)
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
        // A[p][k] = Σ_j H[j][k] W^{pj}
        for p in 0..<np {
            for k in 0..<ns {
                var sr = 0.0, si = 0.0
                for j in 0..<na {
                    let hr = h[2 * (j * ns + k)], hi = h[2 * (j * ns + k) + 1]
                    let wr = antennaRe[p * na + j], wi = antennaIm[p * na + j]
                    sr += hr * wr - hi * wi; si += hr * wi + hi * wr
                }
                w.aRe[p * ns + k] = sr; w.aIm[p * ns + k] = si
            }
        }
        if timingInvariant { alignMeanDelay(&w) }
        // B[p][q] = Σ_k A[p][k] W^{qk}; store |B|².
        var total = 0.0
        for p in 0..<np {
            for q in 0..<nq {
                var sr = 0.0, si = 0.0
                for k in 0..<ns {
                    let ar = w.aRe[p * ns + k], ai = w.aIm[p * ns + k]
                    let wr = subcarrierRe[q * ns + k], wi = subcarrierIm[q * ns + k]
                    sr += ar * wr - ai * wi; si += ar * wi + ai * wr
                }
                let pw = sr * sr + si * si
                w.power[p * nq + q] = pw
                total += pw
            }
        }
        let scale = total > 0 ? 1 / total.squareRoot() : 0
        var e = 0
        for p in 0..<np {
            for q in 0..<nq {
                let pw = w.power[p * nq + q]
                out[p * nq + q] = Float(pw.squareRoot() * scale)
                if p % 2 == 0 && q % 2 == 0 { w.evenPower[e] = pw; e += 1 }
            }
        }
        w.evenPower.sort()
        let median = w.evenPower[w.evenPower.count / 2]
        return median / log(2.0) / Double(na * ns)
    }

    /// Removes the channel's own mean-delay slope from the antenna DFT in `w.aRe/aIm` (see the type's comment).
    private func alignMeanDelay(_ w: inout Workspace) {
        let np = 2 * antennas, ns = subcarriers
        guard ns > 1 else { return }
        var rr = 0.0, ri = 0.0
        for p in 0..<np {
            for k in 0..<(ns - 1) {
                let ar = w.aRe[p * ns + k + 1], ai = w.aIm[p * ns + k + 1]
                let br = w.aRe[p * ns + k], bi = w.aIm[p * ns + k]
                rr += ar * br + ai * bi; ri += ai * br - ar * bi
            }
        }
        let slope = atan2(ri, rr)
        guard slope != 0, slope.isFinite else { return }
        for k in 1..<ns {
            let c = cos(Double(k) * slope), s = -sin(Double(k) * slope)
            for p in 0..<np {
                let ar = w.aRe[p * ns + k], ai = w.aIm[p * ns + k]
                w.aRe[p * ns + k] = ar * c - ai * s; w.aIm[p * ns + k] = ar * s + ai * c
            }
        }
    }
}
