/// The left factors of the MB-INR's output tangent for one position and one input direction
/// (`MBINR.outputTangents`), filled eight atoms at a time: the factors are atom-minor (row j, atom i), so the
/// antenna loop runs outside and every per-atom quantity is a contiguous vector.
///
///   Ṁ[j, i] = jθ̇_{j,i} M[j, i] + A[j, i] ϖ̇_i,   θ̇_{j,i} = k_r (ṡ_{j,i} (1 + q_i s_{j,i}) − q̇_i (‖t_j‖² − s_{j,i}²)/2),
///   s_{j,i} = Σ_q μ_{i,q} t_{j,q},  ṡ_{j,i} = Σ_q μ̇_{i,q} t_{j,q},   and   (M diag(ṙ))[j, i] = M[j, i] ṙ_i.
///
/// The tail of the atoms (fewer than eight) takes the same operations one at a time, so each entry is the same
/// whatever its position.
struct TangentFactors<Scalar: NeuralScalar> {
    /// Per atom (length n): ϖ̇ (re, im), q_i and q̇_i (curvature, zero without), ṙ_i; μ and μ̇ transposed to
    /// [q][i] (P × n).
    var varpiDotRe: [Scalar], varpiDotIm: [Scalar], curvature: [Scalar], curvatureDot: [Scalar], delayDot: [Scalar]
    var mu: [Scalar], muDot: [Scalar]
    let atoms: Int, rank: Int

    init(atoms n: Int, rank p: Int) {
        atoms = n; rank = p
        varpiDotRe = .init(repeating: 0, count: n); varpiDotIm = varpiDotRe; curvature = varpiDotRe
        curvatureDot = varpiDotRe; delayDot = varpiDotRe
        mu = .init(repeating: 0, count: n * p); muDot = mu
    }

    /// Writes Ṁ (`dmRe/dmIm`) and M diag(ṙ) (`mdRe/mdIm`), N_a × n each, from M and A (`mRe/mIm`, `aRe/aIm`,
    /// N_a × n) and the array's offsets `tOff` (N_a × P) and squared norms `tNorm`, with wavenumber `kr`.
    func fill(
        antennas na: Int, kr: Scalar, tOff: UnsafePointer<Scalar>, tNorm: UnsafePointer<Scalar>,
        mRe: UnsafePointer<Scalar>, mIm: UnsafePointer<Scalar>, aRe: UnsafePointer<Scalar>, aIm: UnsafePointer<Scalar>,
        dmRe: UnsafeMutablePointer<Scalar>, dmIm: UnsafeMutablePointer<Scalar>,
        mdRe: UnsafeMutablePointer<Scalar>, mdIm: UnsafeMutablePointer<Scalar>
    ) {
        typealias V = SIMD8<Scalar>
        let n = atoms, p = rank, size = MemoryLayout<Scalar>.stride
        varpiDotRe.withUnsafeBufferPointer { vrB in
            varpiDotIm.withUnsafeBufferPointer { viB in
                curvature.withUnsafeBufferPointer { qvB in
                    curvatureDot.withUnsafeBufferPointer { qdB in
                        delayDot.withUnsafeBufferPointer { rdB in
                            mu.withUnsafeBufferPointer { muB in
                                muDot.withUnsafeBufferPointer { dmuB in
                                    let vr = vrB.baseAddress!, vi = viB.baseAddress!, qv = qvB.baseAddress!
                                    let qd = qdB.baseAddress!, rd = rdB.baseAddress!
                                    let muT = muB.baseAddress!, dmuT = dmuB.baseAddress!
                                    @inline(__always) func load(_ x: UnsafePointer<Scalar>, _ i: Int) -> V {
                                        UnsafeRawPointer(x).loadUnaligned(fromByteOffset: i * size, as: V.self)
                                    }
                                    @inline(__always) func store(_ v: V, _ x: UnsafeMutablePointer<Scalar>, _ i: Int) {
                                        UnsafeMutableRawPointer(x).storeBytes(of: v, toByteOffset: i * size, as: V.self)
                                    }
                                    for j in 0..<na {
                                        let row = j * n, tn = tNorm[j]
                                        var i = 0
                                        while i + 8 <= n {
                                            var sj = V.zero, sd = V.zero
                                            for q in 0..<p {
                                                let t = V(repeating: tOff[j * p + q])
                                                sj += load(muT + q * n, i) * t
                                                sd += load(dmuT + q * n, i) * t
                                            }
                                            let lin = sd * (1 + load(qv, i) * sj)
                                            let quad = load(qd, i) * (V(repeating: tn) - sj * sj) / 2
                                            let thd = kr * (lin - quad)
                                            let mr = load(mRe + row, i), mi = load(mIm + row, i)
                                            let ar = load(aRe + row, i), ai = load(aIm + row, i)
                                            let dr = load(vr, i), di = load(vi, i), r = load(rd, i)
                                            store(-thd * mi + ar * dr - ai * di, dmRe + row, i)
                                            store(thd * mr + ar * di + ai * dr, dmIm + row, i)
                                            store(mr * r, mdRe + row, i)
                                            store(mi * r, mdIm + row, i)
                                            i += 8
                                        }
                                        while i < n {
                                            var sj: Scalar = 0, sd: Scalar = 0
                                            for q in 0..<p {
                                                sj += muT[q * n + i] * tOff[j * p + q]
                                                sd += dmuT[q * n + i] * tOff[j * p + q]
                                            }
                                            let lin = sd * (1 + qv[i] * sj)
                                            let quad = qd[i] * (tn - sj * sj) / 2
                                            let thd = kr * (lin - quad)
                                            let o = row + i
                                            dmRe[o] = -thd * mIm[o] + aRe[o] * vr[i] - aIm[o] * vi[i]
                                            dmIm[o] = thd * mRe[o] + aRe[o] * vi[i] + aIm[o] * vr[i]
                                            mdRe[o] = mRe[o] * rd[i]
                                            mdIm[o] = mIm[o] * rd[i]
                                            i += 1
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
