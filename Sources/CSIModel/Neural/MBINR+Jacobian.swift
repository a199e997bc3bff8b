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
    /// Returns the stacked tangents (direction-major: d × batch × N_a × N_s, split re/im).
    func outputTangents(
        _ pass: MBINRPass<Scalar>, positions: UnsafeBufferPointer<Point3>, head: HeadGeometry
    )
        -> (re: [Scalar], im: [Scalar])
    {
        let geo = configuration.geometry, nd = geo.inputDimensions, nb = pass.batch, n = atomCount
        let na = head.antennaCount, ns = head.subcarrierCount, P = rank
        let tin: [Scalar] = geo.inputTangents(batch: nb)
        let (dz, dmu, draw) = parameters.values.withUnsafeBufferPointer { pb in
            (
                amplitude.tangent(pb.baseAddress!, activations: pass.amplitude, input: tin, directions: nd, batch: nb),
                direction.tangent(pb.baseAddress!, activations: pass.direction, input: tin, directions: nd, batch: nb),
                delay.tangent(pb.baseAddress!, activations: pass.delay, input: tin, directions: nd, batch: nb)
            )
        }
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
        sRe.withUnsafeMutableBufferPointer { sr in
            sIm.withUnsafeMutableBufferPointer { si in
                pass.aRe.withUnsafeBufferPointer { aRe in
                    pass.aIm.withUnsafeBufferPointer { aIm in
                        pass.withFactors { mRe, mIm, _, _ in
                            mu.withUnsafeBufferPointer { mu in
                                dmu.withUnsafeBufferPointer { dmu in
                                    tOff.withUnsafeBufferPointer { tOff in
                                        for b in 0..<nb {
                                            let aOff = b * na * n
                                            for c in 0..<nd {
                                                let dmBase = 2 * c * na * n, mdBase = (2 * c + 1) * na * n
                                                for i in 0..<n {
                                                    let v = b * n + i, t = c * nb * n + v
                                                    // φ̇ = −k_r κ_{i,c}; ϖ̇ = ẇψ + jφ̇ϖ
                                                    let phid = Scalar(-kr * kappa[i * nd + c])
                                                    let pr = pass.psiRe[v], pi = pass.psiIm[v]
                                                    let vdr = dw.re[t] * pr - dw.im[t] * pi - phid * pass.varpiIm[v]
                                                    let vdi = dw.re[t] * pi + dw.im[t] * pr + phid * pass.varpiRe[v]
                                                    let row = b * dirW, trow = (c * nb + b) * dirW
                                                    let qv = curvOn ? curv * mu[row + n * P + i] : 0
                                                    let qd = curvOn ? curv * dmu[trow + n * P + i] : 0
                                                    let rd = draw[t]
                                                    for j in 0..<na {
                                                        // θ̇_j = k_r (Σ_q μ̇_q t_jq (1 + q s_j) − q̇ (‖t_j‖² − s_j²)/2)
                                                        var sj: Scalar = 0, sd: Scalar = 0
                                                        for q in 0..<P {
                                                            sj += mu[row + i * P + q] * tOff[j * P + q]
                                                            sd += dmu[trow + i * P + q] * tOff[j * P + q]
                                                        }
                                                        let lin = sd * (1 + qv * sj)
                                                        let quad = qd * (tNorm[j] - sj * sj) / 2
                                                        let thd = Scalar(kr) * (lin - quad)
                                                        let o = j * n + i, ao = aOff + o
                                                        // Ṁ = jθ̇_a M + A ϖ̇
                                                        sr[dmBase + o] = -thd * mIm[ao] + aRe[ao] * vdr - aIm[ao] * vdi
                                                        si[dmBase + o] = thd * mRe[ao] + aRe[ao] * vdi + aIm[ao] * vdr
                                                        sr[mdBase + o] = mRe[ao] * rd
                                                        si[mdBase + o] = mIm[ao] * rd
                                                    }
                                                }
                                            }
                                            pass.withFactors { _, _, fr, fi in
                                                complexGEMM(
                                                    transB: true, m: rows, n: ns, k: n, aRe: sr.baseAddress!,
                                                    aIm: si.baseAddress!, lda: n, bRe: fr + b * ns * n,
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
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (outRe, outIm)
    }
}
