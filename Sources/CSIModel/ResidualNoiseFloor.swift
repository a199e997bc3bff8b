import CSIChannel
import CSINumerics
import Foundation

/// The measurement-noise floor of a survey as seen through a model's residual: white noise spreads its power
/// evenly over the residual's angle–delay bins (2-D DFT over antennas × subcarriers), while anything the
/// model misses (paths, diffraction) is concentrated in a few. The median bin power therefore measures the
/// noise (median of an exponential = ln 2 × mean) and the ratio of the noise to the channel energy is the
/// lowest NMSE any model can show on these data. The trainer compares validation NMSE with it: a model at the
/// floor has nothing left to learn (docs/model.md, "What validation NMSE can reach").
struct ResidualNoiseFloor: Sendable, CustomStringConvertible {
    /// Mean over samples of estimated noise energy / measured energy, dB.
    var floorDB: Double
    /// Mean over samples of the residual's median-to-mean bin power, ÷ ln 2: ≈ 1 for a white residual (noise),
    /// ≪ 1 for structure left in it.
    var whiteness: Double
    var samples: Int

    var description: String {
        String(
            format:
                "noise floor %.2f dB (from the residual's spectrum, %d samples; residual whiteness %.2f, 1 = pure noise)",
            floorDB, samples, whiteness)
    }

    /// Estimates the floor from `data` (normalised channels, 2·Na·Ns per sample) and the model's prediction of
    /// them (`predicted`, same layout), on at most `limit` samples.
    static func estimate(
        data: [Double], predicted: [Double], antennas na: Int, subcarriers ns: Int,
        limit: Int = 2000
    ) -> ResidualNoiseFloor {
        let stride = 2 * na * ns
        let count = min(limit, data.count / max(stride, 1))
        guard count > 0, na * ns >= 8 else { return ResidualNoiseFloor(floorDB: .nan, whiteness: .nan, samples: 0) }
        func twiddles(_ n: Int) -> (re: [Double], im: [Double]) {
            var re = [Double](repeating: 0, count: n * n), im = re
            for p in 0..<n {
                for j in 0..<n {
                    let (s, c) = sinCos(-2 * Double.pi * Double(p * j) / Double(n)); re[p * n + j] = c;
                    im[p * n + j] = s
                }
            }
            return (re, im)
        }
        let ta = twiddles(na), ts = twiddles(ns)
        var aRe = [Double](repeating: 0, count: na * ns), aIm = aRe, power = aRe
        var ratio = 0.0, white = 0.0, used = 0
        for m in 0..<count {
            let base = m * stride
            var energy = 0.0
            for i in 0..<(na * ns) {
                energy += data[base + 2 * i] * data[base + 2 * i] + data[base + 2 * i + 1] * data[base + 2 * i + 1]
            }
            guard energy > 0 else { continue }
            // A[p][k] = Σ_j R[j][k] W_a^{pj}
            for p in 0..<na {
                for k in 0..<ns {
                    var sr = 0.0, si = 0.0
                    for j in 0..<na {
                        let i = base + 2 * (j * ns + k)
                        let rr = data[i] - predicted[i], ri = data[i + 1] - predicted[i + 1]
                        let wr = ta.re[p * na + j], wi = ta.im[p * na + j]
                        sr += rr * wr - ri * wi; si += rr * wi + ri * wr
                    }
                    aRe[p * ns + k] = sr; aIm[p * ns + k] = si
                }
            }
            var total = 0.0
            for p in 0..<na {
                for q in 0..<ns {
                    var sr = 0.0, si = 0.0
                    for k in 0..<ns {
                        let ar = aRe[p * ns + k], ai = aIm[p * ns + k], wr = ts.re[q * ns + k], wi = ts.im[q * ns + k]
                        sr += ar * wr - ai * wi; si += ar * wi + ai * wr
                    }
                    power[p * ns + q] = sr * sr + si * si; total += power[p * ns + q]
                }
            }
            guard total > 0 else { continue }
            power.sort()
            let median = power[power.count / 2]
            // Unnormalised DFT: Σ bins = N·Σ|R|²; noise per entry σ² = median / (ln 2 · N).
            let noise = median / log(2.0) // total noise energy N·σ²
            ratio += min(noise, total / Double(na * ns)) / energy
            white += median / log(2.0) / (total / Double(na * ns))
            used += 1
        }
        guard used > 0 else { return ResidualNoiseFloor(floorDB: .nan, whiteness: .nan, samples: 0) }
        return ResidualNoiseFloor(
            floorDB: decibels(ratio / Double(used)), whiteness: white / Double(used), samples: used)
    }
}
