import CSIChannel
import CSINumerics
import Foundation

/// How much of a model's validation error is the survey's position labels: a label off by δ makes the residual
/// H(x + δ) − f(x) ≈ J(x)·δ, with J = ∂f/∂x — structured like the channel itself, so no noise estimate sees it, and
/// no network can learn it. Fitting each sample's residual by J·δ (least squares, δ real, per sample) estimates
/// the label error and what the model's error would be with exact labels (docs/model.md, "What validation NMSE can
/// reach"). δ is meaningful while it is well below λ/4 (the residual is then linear in it).
struct LabelNoise: Sendable, CustomStringConvertible {
    /// RMS per axis of the per-sample position corrections, m (x and y only for flat surveys).
    var rms: Double
    /// Mean NMSE after each sample's position correction, dB: the model's own error.
    var correctedNMSEDB: Double
    /// Mean NMSE as measured, dB.
    var measuredNMSEDB: Double
    var samples: Int

    var description: String {
        String(
            format:
                "survey positions look off by %.2f mm RMS per axis; with each sample's position corrected the model's error is %.2f dB (as measured %.2f dB, %d samples)",
            rms * 1000, correctedNMSEDB, measuredNMSEDB, samples)
    }

    /// Estimates from `data` (2·N_a·N_s Doubles per position, in the model's output units) at `positions`, on at
    /// most `limit` samples; `dimensions` = 2 for flat surveys (x, y), else 3.
    static func estimate(
        model: any ChannelModel, positions: [Point3], data: [Double], dimensions: Int,
        limit: Int = 1500
    ) -> LabelNoise {
        let stride = model.valuesPerChannel
        let count = min(limit, positions.count, data.count / max(stride, 1))
        var value = [Double](repeating: 0, count: stride), jac = [Double](repeating: 0, count: 3 * stride)
        var sumSquare = 0.0, measured = 0.0, corrected = 0.0, used = 0
        let d = max(1, min(3, dimensions))
        for m in 0..<count {
            value.withUnsafeMutableBufferPointer { v in
                jac.withUnsafeMutableBufferPointer { j in
                    model.evaluateWithJacobian(at: positions[m], value: v, jacobian: j)
                }
            }
            // r = H − f; normal equations (JᵀJ) δ = Jᵀr over the real-stacked entries.
            var energy = 0.0, rr = 0.0
            var jtj = [Double](repeating: 0, count: d * d), jtr = [Double](repeating: 0, count: d)
            for t in 0..<stride {
                let h = data[m * stride + t], r = h - value[t]
                energy += h * h; rr += r * r
                for a in 0..<d {
                    let ja = jac[a * stride + t]
                    jtr[a] += ja * r
                    for b in 0...a { jtj[a * d + b] += ja * jac[b * stride + t] }
                }
            }
            for a in 0..<d { for b in 0..<a { jtj[b * d + a] = jtj[a * d + b] } }
            guard energy > 0, rr.isFinite, let delta = Cholesky.solve(jtj, jtr, n: d),
                delta.allSatisfy(\.isFinite)
            else { continue }
            // ‖r − Jδ‖² = ‖r‖² − δᵀJᵀr at the least-squares δ.
            var explained = 0.0
            for a in 0..<d { explained += delta[a] * jtr[a] }
            measured += rr / energy
            corrected += max(rr - explained, 0) / energy
            sumSquare += delta.reduce(0) { $0 + $1 * $1 }
            used += 1
        }
        guard used > 0 else { return LabelNoise(rms: .nan, correctedNMSEDB: .nan, measuredNMSEDB: .nan, samples: 0) }
        return LabelNoise(
            rms: (sumSquare / Double(used * d)).squareRoot(), correctedNMSEDB: decibels(corrected / Double(used)),
            measuredNMSEDB: decibels(measured / Double(used)), samples: used)
    }
}
