import CSIChannel
import CSINumerics

extension MBINR {
    /// Forward-mode derivative of Ĥ with respect to the input axes the network sees (d = 2 or 3 directions),
    /// exact for the network function: tangents flow through the MLPs (ReLU masks of the forward pass),
    /// the gate, the three atom families and the head,
    ///
    ///   Ḣ = Ṁ Ψ_fᵀ + M Ψ̇_fᵀ,  Ṁ = Ψ̇_a ⊙ ϖᵀ + Ψ_a ⊙ ϖ̇ᵀ,  ϖ̇ = ẇ ψ + w ψ̇,
    ///   ψ̇ = jφ̇ψ,  Ψ̇_a = jθ̇_a Ψ_a,  Ψ̇_f = jθ̇_f Ψ_f.
    ///
    /// The branches' tangents come from the pass when it computed them (`forward(_:head:tangents:)`).
    /// Returns the stacked tangents (direction-major: d × batch × N_a × N_s, split re/im).
    func outputTangents(
        _ pass: MBINRPass<Scalar>, positions: UnsafeBufferPointer<Point3>, head: HeadGeometry
    )
        -> (re: [Scalar], im: [Scalar])
    {
        let geo = configuration.geometry, nd = geo.inputDimensions, nb = pass.batch, n = atomCount
        let na = head.antennaCount, ns = head.subcarrierCount, P = rank
        let branches = pass.tangents ?? branchTangents(pass)
        let dz = branches.amplitude, dmu = branches.direction, draw = branches.delay
        let z = pass.amplitude[pass.amplitude.count - 1]
        let dw = SoftGate.tangent(
            zRe: z.re, zIm: z.im, gates: pass.gates, dzRe: dz.re, dzIm: dz.im, directions: nd, batch: nb,
            width: n, temperature: Scalar(configuration.gateTemperature))
        let kappa = atoms(), kr = geo.wavenumber
        let tOff = head.offsets.map { Scalar($0) }, tNorm = head.offsetNorms.map { Scalar($0) }
        let mu = pass.direction[pass.direction.count - 1], dirW = directionWidth,
            curvOn = configuration.antennaCurvature
        let curv = Scalar(configuration.curvatureScale)
        let fScale = head.frequencyOffsets.map { Scalar(-2 * Double.pi * configuration.delayScale * $0) }
        var outRe = [Scalar](repeating: 0, count: nd * nb * na * ns), outIm = outRe
        // Per position, the left factors of every direction stacked, [Ṁ_c; M·diag(ṙ_c)] (2·d·N_a × n), and one
        // product with Ψ_fᵀ: since Ψ̇_f = j s_k ṙ_i Ψ_f (s_k = fScale), M Ψ̇_fᵀ = j s_k ⊙ (M diag(ṙ) Ψ_fᵀ), so
        // Ḣ_c = Ṁ_c Ψ_fᵀ + j s_k ⊙ (M diag(ṙ_c) Ψ_fᵀ) — one GEMM instead of two per direction.
        let rows = 2 * nd * na
        var sRe = [Scalar](repeating: 0, count: rows * n), sIm = sRe
        var pRe = [Scalar](repeating: 0, count: rows * ns), pIm = pRe
        var factors = TangentFactors<Scalar>(atoms: n, rank: P)
        let krs = Scalar(kr)
        for b in 0..<nb {
            let aOff = b * na * n, row = b * dirW
            for c in 0..<nd {
                let trow = (c * nb + b) * dirW
                // Per atom: ϖ̇ = ẇψ + jφ̇ϖ with φ̇ = −k_r κ_{i,c}; the curvature q, q̇; ṙ; μ and μ̇ by component.
                for i in 0..<n {
                    let v = b * n + i, t = c * nb * n + v
                    let phid = Scalar(-kr * kappa[i * nd + c])
                    let pr = pass.psiRe[v], pi = pass.psiIm[v]
                    factors.varpiDotRe[i] = dw.re[t] * pr - dw.im[t] * pi - phid * pass.varpiIm[v]
                    factors.varpiDotIm[i] = dw.re[t] * pi + dw.im[t] * pr + phid * pass.varpiRe[v]
                    factors.curvature[i] = curvOn ? curv * mu[row + n * P + i] : 0
                    factors.curvatureDot[i] = curvOn ? curv * dmu[trow + n * P + i] : 0
                    factors.delayDot[i] = draw[t]
                    for q in 0..<P {
                        factors.mu[q * n + i] = mu[row + i * P + q]; factors.muDot[q * n + i] = dmu[trow + i * P + q]
                    }
                }
                sRe.withUnsafeMutableBufferPointer { sr in
                    sIm.withUnsafeMutableBufferPointer { si in
                        pass.aRe.withUnsafeBufferPointer { aRe in
                            pass.aIm.withUnsafeBufferPointer { aIm in
                                pass.withFactors { mRe, mIm, _, _ in
                                    let dm = 2 * c * na * n, md = (2 * c + 1) * na * n
                                    factors.fill(
                                        antennas: na, kr: krs, tOff: tOff, tNorm: tNorm, mRe: mRe + aOff,
                                        mIm: mIm + aOff, aRe: aRe.baseAddress! + aOff, aIm: aIm.baseAddress! + aOff,
                                        dmRe: sr.baseAddress! + dm, dmIm: si.baseAddress! + dm,
                                        mdRe: sr.baseAddress! + md, mdIm: si.baseAddress! + md)
                                }
                            }
                        }
                    }
                }
            }
            pass.withFactors { _, _, fr, fi in
                complexGEMM(
                    transB: true, m: rows, n: ns, k: n, aRe: sRe, aIm: sIm, lda: n, bRe: fr + b * ns * n,
                    bIm: fi + b * ns * n, ldb: n, cRe: &pRe, cIm: &pIm, ldc: ns)
            }
            for c in 0..<nd {
                let hOff = (c * nb + b) * na * ns
                let pBase = 2 * c * na * ns, qBase = (2 * c + 1) * na * ns
                for j in 0..<na {
                    for k in 0..<ns {
                        let o = j * ns + k, sk = fScale[k]
                        outRe[hOff + o] = pRe[pBase + o] - sk * pIm[qBase + o]
                        outIm[hOff + o] = pIm[pBase + o] + sk * pRe[qBase + o]
                    }
                }
            }
        }
        return (outRe, outIm)
    }

    /// The branches' tangents of a pass that did not compute them (a second pass over the weights).
    func branchTangents(_ pass: MBINRPass<Scalar>) -> BranchTangents<Scalar> {
        let nd = configuration.geometry.inputDimensions, nb = pass.batch
        let tin: [Scalar] = configuration.geometry.inputTangents(batch: nb)
        return parameters.values.withUnsafeBufferPointer { pb in
            BranchTangents(
                amplitude: amplitude.tangent(
                    pb.baseAddress!, activations: pass.amplitude, input: tin, directions: nd, batch: nb),
                direction: direction.tangent(
                    pb.baseAddress!, activations: pass.direction, input: tin, directions: nd, batch: nb),
                delay: delay.tangent(pb.baseAddress!, activations: pass.delay, input: tin, directions: nd, batch: nb))
        }
    }
}
