import CSIChannel
import CSINumerics

/// Gradients at the three branch outputs and the location-atom phases, the interface between the output head
/// and the branch MLPs (warm starts inject their own branch targets here).
struct MBINRBranchGradients<T: NeuralScalar> {
    /// ∂L/∂w (batch × D).
    var wRe: [T], wIm: [T]
    /// ∂L/∂(direction-branch output) (batch × (D·P [+ D curvatures])).
    var direction: [T]
    /// ∂L/∂raw delay outputs (batch × D).
    var delay: [T]
    /// ∂L/∂φ of the location-atom phases (batch × D), used only for learnable atoms.
    var phase: [T]?

    init(batch: Int, atoms: Int, directionWidth: Int) {
        wRe = .init(repeating: 0, count: batch * atoms); wIm = wRe; delay = wRe
        direction = .init(repeating: 0, count: batch * directionWidth)
        phase = nil
    }
}

extension MBINR {
    /// Backpropagates G = ∂L/∂Ĥ (split re/im, batch × N_a × N_s) to the branch outputs.
    ///
    /// Real-pair gradients (∇ = ∂L/∂re + j∂L/∂im) follow ∇_input = ∇_output · conj(∂output/∂input) for holomorphic
    /// steps: ∇M = G conj(Ψ_f), ∇Ψ_f = Gᵀ conj(M), ∇Ψ_a = ∇M ⊙ conj(ϖ), ∇ϖ = Σ_j ∇M ⊙ conj(Ψ_a), ∇w = ∇ϖ conj(ψ);
    /// a phasor e^{jθ} gives ∂L/∂θ = Im(conj(∇)·e^{jθ})·(−1)… written out as −∇_r·im + ∇_i·re.
    func headBackward(
        _ pass: MBINRPass<Scalar>, gradRe gHr: [Scalar], gradIm gHi: [Scalar], head: HeadGeometry
    )
        -> MBINRBranchGradients<Scalar>
    {
        let nb = pass.batch, n = atomCount, na = head.antennaCount, ns = head.subcarrierCount, P = rank
        var out = MBINRBranchGradients<Scalar>(batch: nb, atoms: n, directionWidth: directionWidth)
        let mu = pass.direction[pass.direction.count - 1], dw = directionWidth, curvOn = configuration.antennaCurvature
        let curv = Scalar(configuration.curvatureScale)
        let tNorm = head.offsetNorms.map { Scalar($0) }
        var sj = [Scalar](repeating: 0, count: na)
        var gMr = [Scalar](repeating: 0, count: na * n), gMi = gMr
        var gFr = [Scalar](repeating: 0, count: ns * n), gFi = gFr
        var gVr = [Scalar](repeating: 0, count: nb * n), gVi = gVr
        let kr = Scalar(configuration.geometry.wavenumber)
        let tOff = head.offsets.map { Scalar($0) }
        let fScale = head.frequencyOffsets.map { Scalar(-2 * Double.pi * configuration.delayScale * $0) }
        var gTheta = [Scalar](repeating: 0, count: na)
        for b in 0..<nb {
            let hOff = b * na * ns, aOff = b * na * n, fOff = b * ns * n
            gHr.withUnsafeBufferPointer { hr in
                gHi.withUnsafeBufferPointer { hi in
                    pass.withFactors { mr, mi, fr, fi in
                        complexGEMM(
                            conjB: true, m: na, n: n, k: ns,
                            aRe: hr.baseAddress! + hOff, aIm: hi.baseAddress! + hOff, lda: ns,
                            bRe: fr + fOff, bIm: fi + fOff, ldb: n,
                            cRe: &gMr, cIm: &gMi, ldc: n)
                        complexGEMM(
                            transA: true, conjB: true, m: ns, n: n, k: na,
                            aRe: hr.baseAddress! + hOff, aIm: hi.baseAddress! + hOff, lda: ns,
                            bRe: mr + aOff, bIm: mi + aOff, ldb: n,
                            cRe: &gFr, cIm: &gFi, ldc: n)
                    }
                }
            }
            for i in 0..<n {
                let v = b * n + i, row = b * dw
                let vr = pass.varpiRe[v], vi = pass.varpiIm[v]
                let qv = curvOn ? curv * mu[row + n * P + i] : 0
                for j in 0..<na {
                    var t: Scalar = 0
                    for q in 0..<P { t += mu[row + i * P + q] * tOff[j * P + q] }
                    sj[j] = t
                }
                var sr: Scalar = 0, si: Scalar = 0
                for j in 0..<na {
                    let o = j * n + i, ao = aOff + o
                    let a_r = pass.aRe[ao], a_i = pass.aIm[ao]
                    // ∇ϖ += ∇M conj(A); ∇A = ∇M conj(ϖ); ∂L/∂θ_a = −∇A_r A_i + ∇A_i A_r
                    sr += gMr[o] * a_r + gMi[o] * a_i
                    si += gMi[o] * a_r - gMr[o] * a_i
                    let gar = gMr[o] * vr + gMi[o] * vi, gai = gMi[o] * vr - gMr[o] * vi
                    gTheta[j] = gai * a_r - gar * a_i
                }
                gVr[v] = sr; gVi[v] = si
                // θ_j = k_r (s_j − q (‖t_j‖² − s_j²)/2), s_j = μ·t_j:
                // ∂θ_j/∂μ_q = k_r t_jq (1 + q s_j), ∂θ_j/∂raw_q = −k_r·scale·(‖t_j‖² − s_j²)/2.
                for q in 0..<P {
                    var acc: Scalar = 0
                    for j in 0..<na { acc += gTheta[j] * tOff[j * P + q] * (1 + qv * sj[j]) }
                    out.direction[row + i * P + q] = kr * acc
                }
                if curvOn {
                    var acc: Scalar = 0
                    for j in 0..<na { acc += gTheta[j] * (tNorm[j] - sj[j] * sj[j]) }
                    out.direction[row + n * P + i] = -kr * curv * acc / 2
                }
                var acc: Scalar = 0
                for k in 0..<ns {
                    let o = k * n + i, fo = fOff + o
                    acc += (gFi[o] * pass.fRe[fo] - gFr[o] * pass.fIm[fo]) * fScale[k]
                }
                out.delay[v] = acc
                // ∇w = ∇ϖ conj(ψ)
                let pr = pass.psiRe[v], pi = pass.psiIm[v]
                out.wRe[v] = sr * pr + si * pi
                out.wIm[v] = si * pr - sr * pi
            }
        }
        if atomTensor != nil {
            var ph = [Scalar](repeating: 0, count: nb * n)
            for v in 0..<(nb * n) { ph[v] = gVi[v] * pass.varpiRe[v] - gVr[v] * pass.varpiIm[v] }
            out.phase = ph
        }
        return out
    }

    /// Backpropagates branch-output gradients through the gate and the three MLPs into `grad`
    /// (and into the atom wave vectors when they are learnable).
    func branchBackward(
        _ pass: MBINRPass<Scalar>, _ g: MBINRBranchGradients<Scalar>, positions: UnsafeBufferPointer<Point3>,
        grad: UnsafeMutablePointer<Scalar>
    ) {
        let nb = pass.batch, n = atomCount
        let z = pass.amplitude[pass.amplitude.count - 1]
        let gz = SoftGate.backward(
            zRe: z.re, zIm: z.im, gates: pass.gates, gradRe: g.wRe, gradIm: g.wIm, batch: nb, width: n,
            temperature: Scalar(configuration.gateTemperature))
        parameters.values.withUnsafeBufferPointer { pb in
            let p = pb.baseAddress!
            _ = amplitude.backward(
                p, activations: pass.amplitude, gradRe: gz.re, gradIm: gz.im, batch: nb, grad: grad,
                inputGradient: false)
            _ = direction.backward(
                p, activations: pass.direction, gradOutput: g.direction, batch: nb, grad: grad, inputGradient: false)
            _ = delay.backward(
                p, activations: pass.delay, gradOutput: g.delay, batch: nb, grad: grad, inputGradient: false)
        }
        if let a = atomTensor, let ph = g.phase {
            // φ_i = −k_r κ_i·(x − o) ⇒ ∂L/∂κ_{i,c} = −k_r Σ_b ∂L/∂φ_{b,i} (x_b − o)_c (summed in Float64).
            let geo = configuration.geometry, d = geo.inputDimensions, kr = geo.wavenumber
            var acc = [Double](repeating: 0, count: n * d)
            for b in 0..<nb {
                let x = positions[b] - geo.origin
                for i in 0..<n { for c in 0..<d { acc[i * d + c] -= kr * Double(ph[b * n + i]) * x[c] } }
            }
            for t in 0..<(n * d) { grad[a + t] += Scalar(acc[t]) }
        }
    }
}
