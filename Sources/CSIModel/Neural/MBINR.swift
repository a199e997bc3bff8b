import CSIChannel
import CSINumerics
import Numerics

/// The model-based implicit neural representation of docs/method.md §4.2 (P2/P3):
///
///   Ĥ(x) = Ψ_a(x) diag(w(x) ⊙ ψ_x(x)) Ψ_f(x)ᵀ,
///
/// with fixed (or learnable) planar-wave atoms ψ_{x,i} = e^{−j k_r κ_i·(x − o)} on several rings, complex
/// amplitudes w = z ⊙ softmax_C(z) from a complex MLP, antenna atoms [Ψ_a]_{j,i} = e^{+j k_r μ_i(x)·t_j}
/// (t_j = antenna offset on the array basis, μ_i from a real MLP) and frequency atoms
/// [Ψ_f]_{k,i} = e^{−j2π(f_k − f_r)τ_i(x)} (τ_i from a real MLP). Ĥ is assembled per sample as
/// (Ψ_a ⊙ ϖᵀ)Ψ_fᵀ with GEMMs — never a Kronecker product.
///
/// Generic over the scalar: `MBINR<Float>` trains and serves; `MBINR<Double>` (same code, `converted()`)
/// is what the finite-difference tests check and what precise evaluation may use.
public struct MBINR<Scalar: NeuralScalar>: Sendable {
    /// The architecture (rebuilds the network with `parameters`).
    public let configuration: MBINRConfiguration
    /// The trainable parameters.
    public var parameters: ParameterSet<Scalar>
    let amplitude: ComplexMLP
    let direction: RealMLP
    let delay: RealMLP
    /// Offset of `atoms.wavevector` (D × d) when the atoms are learnable.
    let atomTensor: Int?
    /// Fixed atom wave vectors (D × d, units of k_r) when they are not.
    let fixedAtoms: [Double]
    /// P: number of array-basis components per atom direction.
    let rank: Int
    let head: HeadGeometry

    /// A freshly initialised network (He init; direction branch aligned with each atom's own direction;
    /// delay branch at the centre of the delay range — see `MBINR+Initialisation` for data-driven starts).
    init(configuration: MBINRConfiguration, seed: UInt64) throws {
        try self.init(layout: configuration)
        var rng = SeededGenerator(seed: seed, stream: 0x4D42_494E) // "MBIN"
        var p = parameters.values
        amplitude.initialise(&p, rng: &rng)
        direction.initialise(&p, outputGain: 0.1, rng: &rng)
        delay.initialise(&p, outputGain: 0.1, rng: &rng)
        // Each atom's antenna direction starts at its own propagation direction, projected on the array.
        let dirs = configuration.atomDirections
        let outBias = direction.layers[direction.layers.count - 1].bias
        for i in 0..<configuration.atomCount {
            for (q, e) in configuration.geometry.arrayBasis.enumerated() {
                p[outBias + i * rank + q] = Scalar(dirs[i].dot(e))
            }
        }
        if let a = atomTensor { for (i, v) in fixedAtoms.enumerated() { p[a + i] = Scalar(v) } }
        parameters.values = p
    }

    /// Rebuilds a network from its architecture and stored tensors (bit-exact round trip of `parameters.tensors`
    /// for Float networks).
    init(configuration: MBINRConfiguration, tensors: [NamedTensor]) throws {
        try self.init(layout: configuration)
        try parameters.load(tensors)
    }

    /// Declares every tensor (zero values).
    private init(layout c: MBINRConfiguration) throws {
        try c.validate()
        configuration = c
        let d = c.geometry.inputDimensions, n = c.atomCount
        rank = c.geometry.arrayBasis.count
        var p = ParameterSet<Scalar>()
        amplitude = ComplexMLP("amplitude", widths: [d] + c.amplitudeWidths + [n], parameters: &p)
        direction = RealMLP(
            "direction", widths: [d] + c.directionWidths + [n * rank + (c.antennaCurvature ? n : 0)], parameters: &p)
        delay = RealMLP("delay", widths: [d] + c.delayWidths + [n], parameters: &p)
        fixedAtoms = c.atomDirections.flatMap { u in (0..<d).map { u[$0] } }
        atomTensor = c.learnableAtoms ? p.add("atoms.wavevector", shape: [n, d]) : nil
        parameters = p
        head = HeadGeometry(geometry: c.geometry)
    }

    private init(copying other: MBINR<some NeuralScalar>, parameters: ParameterSet<Scalar>) {
        configuration = other.configuration; self.parameters = parameters
        amplitude = other.amplitude; direction = other.direction; delay = other.delay
        atomTensor = other.atomTensor; fixedAtoms = other.fixedAtoms; rank = other.rank; head = other.head
    }

    /// The same network in another precision.
    func converted<Other: NeuralScalar>(to: Other.Type = Other.self) -> MBINR<Other> {
        MBINR<Other>(copying: self, parameters: parameters.converted())
    }

    var atomCount: Int { configuration.atomCount }
    /// Width of one direction-branch output row: D·P directions, then D curvatures when enabled.
    var directionWidth: Int { atomCount * rank + (configuration.antennaCurvature ? atomCount : 0) }
    /// Antennas, subcarriers, phase origin and input normalisation of the network.
    public var geometry: NeuralGeometry { configuration.geometry }

    /// Atom wave vectors κ (D × d, units of k_r), in Float64.
    func atoms() -> [Double] {
        guard let a = atomTensor else { return fixedAtoms }
        return (0..<fixedAtoms.count).map { Double(parameters.values[a + $0]) }
    }
}

/// Everything the forward pass computes for one batch, kept for the backward and tangent passes.
struct MBINRPass<T: NeuralScalar> {
    var batch: Int
    var antennas: Int, subcarriers: Int
    var input: [T]
    var amplitude: [ComplexMLP.Activation<T>]
    var direction: [[T]]
    var delay: [[T]]
    /// Gates s (batch × D), amplitudes w, location atoms ψ, and ϖ = w ⊙ ψ.
    var gates: [T], wRe: [T], wIm: [T], psiRe: [T], psiIm: [T], varpiRe: [T], varpiIm: [T]
    /// Ψ_a (batch × N_a × D), M = Ψ_a ⊙ ϖᵀ (same shape), Ψ_f (batch × N_s × D).
    var aRe: [T], aIm: [T], mRe: [T], mIm: [T], fRe: [T], fIm: [T]
    /// Ĥ (batch × N_a × N_s).
    var hRe: [T], hIm: [T]
    /// The branches' output tangents when the pass computed them (`MBINR.forward(_:head:tangents:)`).
    var tangents: BranchTangents<T>? = nil

    /// Runs `body` with the factors of Ĥ = M Ψ_fᵀ: M (`mRe`, `mIm`) and Ψ_f (`fRe`, `fIm`), as pointers for the
    /// complex GEMMs of the output and of its derivatives.
    @inline(__always)
    func withFactors<R>(
        _ body: (
            _ mRe: UnsafePointer<T>, _ mIm: UnsafePointer<T>, _ fRe: UnsafePointer<T>, _ fIm: UnsafePointer<T>
        ) -> R
    ) -> R {
        mRe.withUnsafeBufferPointer { mr in
            mIm.withUnsafeBufferPointer { mi in
                fRe.withUnsafeBufferPointer { fr in
                    fIm.withUnsafeBufferPointer { fi in
                        body(mr.baseAddress!, mi.baseAddress!, fr.baseAddress!, fi.baseAddress!)
                    }
                }
            }
        }
    }
}

/// The output tangents of the three branches along the input axes (direction-major blocks, as `RealMLP.tangent`
/// and `ComplexMLP.tangent` return them): ż, μ̇ (with q̇) and the raw delays' ṙ.
struct BranchTangents<T: NeuralScalar> {
    var amplitude: ComplexMLP.Activation<T>
    var direction: [T]
    var delay: [T]
}

extension MBINR {
    /// The forward pass on a batch, at the training antennas/subcarriers or at those of `head`; with `tangents`
    /// the branches' tangents along every input axis too, in the same pass over their weights.
    func forward(
        _ positions: UnsafeBufferPointer<Point3>, head: HeadGeometry, tangents: Bool = false
    )
        -> MBINRPass<Scalar>
    {
        let g = configuration.geometry, nb = positions.count, n = atomCount, d = g.inputDimensions
        let na = head.antennaCount, ns = head.subcarrierCount
        return parameters.values.withUnsafeBufferPointer { pb in
            let p = pb.baseAddress!
            let input: [Scalar] = g.normalisedInputs(positions)
            let amp: [ComplexMLP.Activation<Scalar>], dir: [[Scalar]], del: [[Scalar]]
            var branchTangents: BranchTangents<Scalar>? = nil
            if tangents {
                let tin: [Scalar] = g.inputTangents(batch: nb)
                let a = amplitude.forwardWithTangents(p, input: input, tangentInput: tin, directions: d, batch: nb)
                let m = direction.forwardWithTangents(p, input: input, tangentInput: tin, directions: d, batch: nb)
                let r = delay.forwardWithTangents(p, input: input, tangentInput: tin, directions: d, batch: nb)
                amp = a.activations; dir = m.activations; del = r.activations
                branchTangents = BranchTangents(amplitude: a.tangent, direction: m.tangent, delay: r.tangent)
            } else {
                amp = amplitude.forward(p, input: input, batch: nb)
                dir = direction.forward(p, input: input, batch: nb)
                del = delay.forward(p, input: input, batch: nb)
            }
            let z = amp[amp.count - 1]
            var s = [Scalar](repeating: 0, count: nb * n), wr = s, wi = s
            SoftGate.forward(
                zRe: z.re, zIm: z.im, batch: nb, width: n, temperature: Scalar(configuration.gateTemperature),
                gates: &s, wRe: &wr, wIm: &wi)
            // Location atoms in Float64 on centred coordinates (vectorised sin/cos, within 1e-15), rounded once.
            let kappa = atoms(), kr = g.wavenumber
            var psr = s, psi = s, vr = s, vi = s
            let phase = UnsafeMutablePointer<Double>.allocate(capacity: 3 * max(n, 1))
            defer { phase.deallocate() }
            let sines = phase + n, cosines = phase + 2 * n
            for b in 0..<nb {
                let x = positions[b] - g.origin
                kappa.withUnsafeBufferPointer { k in
                    var i = 0
                    while i < n {
                        var dot = 0.0, c = 0
                        while c < d {
                            dot += k[i &* d &+ c] * x[c]
                            c &+= 1
                        }
                        phase[i] = -kr * dot
                        i &+= 1
                    }
                }
                VectorMath.sinCos(phase, sin: sines, cos: cosines, count: n)
                for i in 0..<n {
                    let o = b * n + i
                    psr[o] = Scalar(cosines[i]); psi[o] = Scalar(sines[i])
                    vr[o] = wr[o] * psr[o] - wi[o] * psi[o]
                    vi[o] = wr[o] * psi[o] + wi[o] * psr[o]
                }
            }
            var pass = MBINRPass<Scalar>(
                batch: nb, antennas: na, subcarriers: ns, input: input, amplitude: amp, direction: dir,
                delay: del, gates: s, wRe: wr, wIm: wi, psiRe: psr, psiIm: psi, varpiRe: vr, varpiIm: vi,
                aRe: [], aIm: [], mRe: [], mIm: [], fRe: [], fIm: [], hRe: [], hIm: [], tangents: branchTangents)
            assembleAtoms(&pass, head: head)
            assembleOutput(&pass)
            return pass
        }
    }

    /// Ψ_a, Ψ_f and M = Ψ_a ⊙ ϖᵀ from the branch outputs. Every row (one antenna or subcarrier, all atoms) is
    /// contiguous, so its phases are computed in Float64 for all atoms at once and turned into phasors by the
    /// vectorised sine/cosine (`phasorRow`).
    func assembleAtoms(_ pass: inout MBINRPass<Scalar>, head: HeadGeometry) {
        let nb = pass.batch, n = atomCount, na = head.antennaCount, ns = head.subcarrierCount, P = rank
        let kr = configuration.geometry.wavenumber, curvatureOn = configuration.antennaCurvature
        let curv = configuration.curvatureScale
        let twoPiTau = 2 * Double.pi * configuration.delayScale
        let mu = pass.direction[pass.direction.count - 1], raw = pass.delay[pass.delay.count - 1]
        let aCount = nb * na * n, fCount = nb * ns * n
        // Per atom: the direction (P × n, component-major), the curvature q_i and the delay factor; then one row
        // of phases.
        let work = UnsafeMutablePointer<Double>.allocate(capacity: (P + 3) * max(n, 1))
        defer { work.deallocate() }
        let direction = work, curvature = work + P * n, delay = work + (P + 1) * n, theta = work + (P + 2) * n
        var ar = [Scalar](unsafeUninitializedCapacity: aCount) { _, c in c = aCount }
        var ai = ar, mr = ar, mi = ar
        var fr = [Scalar](unsafeUninitializedCapacity: fCount) { _, c in c = fCount }
        var fi = fr
        ar.withUnsafeMutableBufferPointer { arb in
            ai.withUnsafeMutableBufferPointer { aib in
                fr.withUnsafeMutableBufferPointer { frb in
                    fi.withUnsafeMutableBufferPointer { fib in
                        for b in 0..<nb {
                            let row = b * directionWidth
                            mu.withUnsafeBufferPointer { m in
                                raw.withUnsafeBufferPointer { r in
                                    var i = 0
                                    while i < n {
                                        var q = 0
                                        while q < P {
                                            direction[q &* n &+ i] = Double(m[row &+ i &* P &+ q])
                                            q &+= 1
                                        }
                                        curvature[i] = curvatureOn ? curv * Double(m[row &+ n &* P &+ i]) : 0
                                        delay[i] = -twoPiTau * Double(r[b &* n &+ i])
                                        i &+= 1
                                    }
                                }
                            }
                            // θ_{j,i} = k_r (s_{j,i} − q_i (‖t_j‖² − s_{j,i}²)/2),  s_{j,i} = Σ_q μ_{i,q} t_{j,q}:
                            // one component at a time over all atoms (contiguous).
                            for j in 0..<na {
                                let tn = head.offsetNorms[j]
                                theta.update(repeating: 0, count: n)
                                for q in 0..<P {
                                    let t = head.offsets[j * P + q], component = direction + q * n
                                    var i = 0
                                    while i < n {
                                        theta[i] += component[i] * t
                                        i &+= 1
                                    }
                                }
                                var i = 0
                                while i < n {
                                    let sj = theta[i]
                                    theta[i] = kr * (sj - curvature[i] * (tn - sj * sj) / 2)
                                    i &+= 1
                                }
                                let o = (b * na + j) * n
                                phasorRow(
                                    theta, count: n, re: arb.baseAddress! + o, im: aib.baseAddress! + o)
                            }
                            // θ_{k,i} = −2π (f_k − f_r) τ_i.
                            for k in 0..<ns {
                                let fk = head.frequencyOffsets[k]
                                var i = 0
                                while i < n {
                                    theta[i] = delay[i] * fk
                                    i &+= 1
                                }
                                let o = (b * ns + k) * n
                                phasorRow(
                                    theta, count: n, re: frb.baseAddress! + o, im: fib.baseAddress! + o)
                            }
                        }
                    }
                }
            }
        }
        ar.withUnsafeBufferPointer { arb in
            ai.withUnsafeBufferPointer { aib in
                mr.withUnsafeMutableBufferPointer { mrb in
                    mi.withUnsafeMutableBufferPointer { mib in
                        pass.varpiRe.withUnsafeBufferPointer { vrb in
                            pass.varpiIm.withUnsafeBufferPointer { vib in
                                for b in 0..<nb {
                                    for j in 0..<na {
                                        let row = (b * na + j) * n, v = b * n
                                        var i = 0
                                        while i < n {
                                            let o = row &+ i, wr = vrb[v &+ i], wi = vib[v &+ i]
                                            mrb[o] = arb[o] * wr - aib[o] * wi
                                            mib[o] = arb[o] * wi + aib[o] * wr
                                            i &+= 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        pass.aRe = ar; pass.aIm = ai; pass.mRe = mr; pass.mIm = mi; pass.fRe = fr; pass.fIm = fi
    }

    /// re[i] = cos θ_i, im[i] = sin θ_i for i < count (contiguous): in Float32 by the vectorised polynomial
    /// (`VectorMath.sinCosFloat`, within Float32 rounding) when the network runs in Float32, else by the Float64
    /// one (`VectorMath.sinCos`, within 1e-15).
    @inline(__always)
    func phasorRow(
        _ theta: UnsafePointer<Double>, count: Int, re: UnsafeMutablePointer<Scalar>, im: UnsafeMutablePointer<Scalar>
    ) {
        if Scalar.self == Float.self {
            VectorMath.sinCosFloat(
                theta, sin: UnsafeMutableRawPointer(im).assumingMemoryBound(to: Float.self),
                cos: UnsafeMutableRawPointer(re).assumingMemoryBound(to: Float.self), count: count)
        } else if Scalar.self == Double.self {
            VectorMath.sinCos(
                theta, sin: UnsafeMutableRawPointer(im).assumingMemoryBound(to: Double.self),
                cos: UnsafeMutableRawPointer(re).assumingMemoryBound(to: Double.self), count: count)
        } else {
            for i in 0..<count {
                let (sine, cosine) = sinCos(theta[i])
                re[i] = Scalar(cosine); im[i] = Scalar(sine)
            }
        }
    }

    /// Ĥ_b = M_b Ψ_{f,b}ᵀ for every sample (complex GEMM N_a × D × N_s).
    func assembleOutput(_ pass: inout MBINRPass<Scalar>) {
        let nb = pass.batch, n = atomCount, na = pass.antennas, ns = pass.subcarriers
        var hr = [Scalar](repeating: 0, count: nb * na * ns), hi = hr
        pass.withFactors { mr, mi, fr, fi in
            hr.withUnsafeMutableBufferPointer { hrb in
                hi.withUnsafeMutableBufferPointer { hib in
                    for b in 0..<nb {
                        complexGEMM(
                            transB: true, m: na, n: ns, k: n,
                            aRe: mr + b * na * n, aIm: mi + b * na * n, lda: n,
                            bRe: fr + b * ns * n, bIm: fi + b * ns * n, ldb: n,
                            cRe: hrb.baseAddress! + b * na * ns, cIm: hib.baseAddress! + b * na * ns,
                            ldc: ns)
                    }
                }
            }
        }
        pass.hRe = hr; pass.hIm = hi
    }
}
