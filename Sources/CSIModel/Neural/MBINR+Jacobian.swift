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
        var dMr = [Scalar](repeating: 0, count: na * n), dMi = dMr
        var dFr = [Scalar](repeating: 0, count: ns * n), dFi = dFr
        for c in 0..<nd {
            for b in 0..<nb {
                let aOff = b * na * n, fOff = b * ns * n
                for i in 0..<n {
                    let v = b * n + i, t = c * nb * n + v
                    // φ̇ = −k_r κ_{i,c}; ϖ̇ = ẇψ + jφ̇ϖ
                    let phid = Scalar(-kr * kappa[i * nd + c])
                    let pr = pass.psiRe[v], pi = pass.psiIm[v]
                    let vdr = dw.re[t] * pr - dw.im[t] * pi - phid * pass.varpiIm[v]
                    let vdi = dw.re[t] * pi + dw.im[t] * pr + phid * pass.varpiRe[v]
                    let row = b * dirW, trow = (c * nb + b) * dirW
                    let qv = curvOn ? curv * mu[row + n * P + i] : 0, qd = curvOn ? curv * dmu[trow + n * P + i] : 0
                    for j in 0..<na {
                        // θ̇_j = k_r (Σ_q μ̇_q t_jq (1 + q s_j) − q̇ (‖t_j‖² − s_j²)/2)
                        var sj: Scalar = 0, sd: Scalar = 0
                        for q in 0..<P {
                            sj += mu[row + i * P + q] * tOff[j * P + q]; sd += dmu[trow + i * P + q] * tOff[j * P + q]
                        }
                        let lin = sd * (1 + qv * sj)
                        let quad = qd * (tNorm[j] - sj * sj) / 2
                        let thd = Scalar(kr) * (lin - quad)
                        let o = j * n + i, ao = aOff + o
                        // Ṁ = jθ̇_a M + A ϖ̇
                        dMr[o] = -thd * pass.mIm[ao] + pass.aRe[ao] * vdr - pass.aIm[ao] * vdi
                        dMi[o] = thd * pass.mRe[ao] + pass.aRe[ao] * vdi + pass.aIm[ao] * vdr
                    }
                    let rd = draw[t]
                    for k in 0..<ns {
                        let o = k * n + i, fo = fOff + o
                        let thd = fScale[k] * rd
                        dFr[o] = -thd * pass.fIm[fo]; dFi[o] = thd * pass.fRe[fo]
                    }
                }
                let hOff = (c * nb + b) * na * ns
                outRe.withUnsafeMutableBufferPointer { hr in
                    outIm.withUnsafeMutableBufferPointer { hi in
                        pass.withFactors { mr, mi, fr, fi in
                            complexGEMM(
                                transB: true, m: na, n: ns, k: n, aRe: dMr, aIm: dMi, lda: n,
                                bRe: fr + fOff, bIm: fi + fOff, ldb: n,
                                cRe: hr.baseAddress! + hOff, cIm: hi.baseAddress! + hOff, ldc: ns)
                            complexGEMM(
                                transB: true, m: na, n: ns, k: n, aRe: mr + aOff, aIm: mi + aOff, lda: n,
                                bRe: dFr, bIm: dFi, ldb: n, beta: 1,
                                cRe: hr.baseAddress! + hOff, cIm: hi.baseAddress! + hOff, ldc: ns)
                        }
                    }
                }
            }
        }
        return (outRe, outIm)
    }
}
