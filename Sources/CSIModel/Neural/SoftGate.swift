import Numerics

/// The soft sparsity gate of the amplitude branch (docs/method.md §4.3): w = z ⊙ softmax(|z| / T), softmax over
/// the D moduli of one sample (stable: the maximum is subtracted). Gates are real and non-negative, so w keeps
/// the phase of z and the largest |z| dominate — a differentiable surrogate for ‖w‖₀ = L_p.
enum SoftGate {
    /// Writes s (gates) and w = z·s for `batch` rows of `width` atoms.
    static func forward<T: NeuralScalar>(
        zRe: [T], zIm: [T], batch: Int, width: Int, temperature: T,
        gates s: inout [T], wRe: inout [T], wIm: inout [T]
    ) {
        for b in 0..<batch {
            let o = b * width
            var mx = -T.infinity
            for i in 0..<width { s[o + i] = modulus(zRe[o + i], zIm[o + i]) / temperature; mx = max(mx, s[o + i]) }
            var sum: T = 0
            for i in 0..<width { s[o + i] = T.exp(s[o + i] - mx); sum += s[o + i] }
            for i in 0..<width {
                s[o + i] /= sum
                wRe[o + i] = zRe[o + i] * s[o + i]; wIm[o + i] = zIm[o + i] * s[o + i]
            }
        }
    }

    /// ∂L/∂z from ∂L/∂w: direct term G·s plus the softmax term (∂L/∂r_i) z_i/|z_i|, with
    /// ∂L/∂r_i = s_i (q_i − Σ_m s_m q_m)/T and q_i = Re(conj(G_i) z_i).
    static func backward<T: NeuralScalar>(
        zRe: [T], zIm: [T], gates s: [T], gradRe: [T], gradIm: [T], batch: Int, width: Int,
        temperature: T
    ) -> (re: [T], im: [T]) {
        var gr = [T](repeating: 0, count: zRe.count), gi = gr
        for b in 0..<batch {
            let o = b * width
            var mean: T = 0
            for i in 0..<width { mean += s[o + i] * (gradRe[o + i] * zRe[o + i] + gradIm[o + i] * zIm[o + i]) }
            for i in 0..<width {
                let a = zRe[o + i], c = zIm[o + i], r = modulus(a, c)
                let q = gradRe[o + i] * a + gradIm[o + i] * c
                let dr = s[o + i] * (q - mean) / temperature
                let k = r > 0 ? dr / r : 0
                gr[o + i] = gradRe[o + i] * s[o + i] + k * a
                gi[o + i] = gradIm[o + i] * s[o + i] + k * c
            }
        }
        return (gr, gi)
    }

    /// Forward-mode: ẇ = ż s + z ṡ with ṡ_i = s_i (ṙ_i − Σ s_m ṙ_m)/T, ṙ_i = Re(conj(z_i) ż_i)/|z_i|,
    /// for `directions` stacked tangent blocks.
    static func tangent<T: NeuralScalar>(
        zRe: [T], zIm: [T], gates s: [T], dzRe: [T], dzIm: [T], directions: Int, batch: Int,
        width: Int, temperature: T
    ) -> (re: [T], im: [T]) {
        var wr = [T](repeating: 0, count: dzRe.count), wi = wr
        let n = batch * width
        var rdot = [T](repeating: 0, count: width)
        for d in 0..<directions {
            for b in 0..<batch {
                let o = b * width, t = d * n + o
                var mean: T = 0
                for i in 0..<width {
                    let a = zRe[o + i], c = zIm[o + i], r = modulus(a, c)
                    rdot[i] = r > 0 ? (a * dzRe[t + i] + c * dzIm[t + i]) / r : 0
                    mean += s[o + i] * rdot[i]
                }
                for i in 0..<width {
                    let sdot = s[o + i] * (rdot[i] - mean) / temperature
                    wr[t + i] = dzRe[t + i] * s[o + i] + zRe[o + i] * sdot
                    wi[t + i] = dzIm[t + i] * s[o + i] + zIm[o + i] * sdot
                }
            }
        }
        return (wr, wi)
    }

    @inline(__always) static func modulus<T: NeuralScalar>(_ a: T, _ b: T) -> T { (a * a + b * b).squareRoot() }
}
