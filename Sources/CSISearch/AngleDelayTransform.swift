import Foundation

/// The angle–delay image of a channel: |2-D DFT| of H zero-padded ×2 over (antenna, subcarrier), the
/// global measure of §16.2. A path is a peak at its (direction cosine, delay) bin whatever its phase, so
/// the normalised magnitudes of two channels are close whenever their paths' directions and delays are,
/// independently of the carrier phase that makes the phase-sensitive cost ripple every λ₀.
///
/// With `timingInvariant`, an unknown timing offset (a linear phase across subcarriers, i.e. a shift of
/// every delay) must not move the features. The delay axis is then replaced by the subcarrier lag:
/// R_p(l) = Σ_k A_p(k)·conj(A_p(k+l)), A_p the zero-padded antenna DFT at subcarrier k. A timing offset
/// multiplies R_p(l) by a unit phasor that depends on l only, so |R_p(l)| is invariant to it while it keeps
/// every direction and the relative delays of paths sharing a direction.
///
/// Twiddles are precomputed; `image(of:into:workspace:)` costs 2N_a·N_s·(N_a + 2N_s) complex MACs.
public struct AngleDelayTransform: Sendable {
    public let antennas: Int
    public let subcarriers: Int
    public let timingInvariant: Bool
    /// Length of a feature vector: (2N_a)·(2N_s) magnitudes, or (2N_a)·N_s lags when timing-invariant.
    public var featureCount: Int { (timingInvariant ? 2 : 4) * antennas * subcarriers }
    let antennaRe: [Double], antennaIm: [Double]       // (2N_a) × N_a
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
    public struct Workspace: Sendable {
        var aRe: [Double], aIm: [Double], power: [Double], evenPower: [Double]
        public init(_ t: AngleDelayTransform) {
            aRe = .init(repeating: 0, count: 2 * t.antennas * t.subcarriers); aIm = aRe
            power = .init(repeating: 0, count: 4 * t.antennas * t.subcarriers)
            evenPower = .init(repeating: 0, count: t.antennas * t.subcarriers)
        }
    }

    /// Writes the unit-norm magnitudes of the angle–delay image of `h` (interleaved, antenna-major) into
    /// `out` (`featureCount` Floats) and returns the per-entry noise variance estimated from the median
    /// power of the N_a·N_s un-padded bins (median of an exponential = ln 2 · mean).
    @discardableResult
    public func image(of h: UnsafePointer<Double>, into out: UnsafeMutablePointer<Float>,
                      workspace w: inout Workspace) -> Double {
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
        if timingInvariant { return lagImage(into: out, workspace: &w) }
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

    /// Timing-invariant features |R_p(l)| from the antenna DFT in `w.aRe/aIm`; noise from the un-padded bins.
    private func lagImage(into out: UnsafeMutablePointer<Float>, workspace w: inout Workspace) -> Double {
        let na = antennas, ns = subcarriers, np = 2 * na
        var total = 0.0
        for p in 0..<np {
            for l in 0..<ns {
                var sr = 0.0, si = 0.0
                for k in 0..<(ns - l) {
                    let ar = w.aRe[p * ns + k], ai = w.aIm[p * ns + k]
                    let br = w.aRe[p * ns + k + l], bi = w.aIm[p * ns + k + l]
                    sr += ar * br + ai * bi; si += ai * br - ar * bi
                }
                let pw = sr * sr + si * si
                w.power[p * ns + l] = pw
                total += pw
            }
        }
        let scale = total > 0 ? 1 / total.squareRoot() : 0
        for i in 0..<(np * ns) { out[i] = Float(w.power[i].squareRoot() * scale) }
        // Noise: un-padded 2-D DFT bins (even antenna bins, every N_s-point subcarrier bin).
        var e = 0
        for p in Swift.stride(from: 0, to: np, by: 2) {
            for q in 0..<ns {
                var sr = 0.0, si = 0.0
                for k in 0..<ns {
                    let ar = w.aRe[p * ns + k], ai = w.aIm[p * ns + k]
                    let wr = subcarrierRe[2 * q * ns + k], wi = subcarrierIm[2 * q * ns + k]
                    sr += ar * wr - ai * wi; si += ar * wi + ai * wr
                }
                w.evenPower[e] = sr * sr + si * si; e += 1
            }
        }
        w.evenPower.sort()
        return w.evenPower[w.evenPower.count / 2] / log(2.0) / Double(na * ns)
    }
}
