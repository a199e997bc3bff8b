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

extension MBINR {
    /// The forward pass on a batch, at the training antennas/subcarriers or at those of `head`.
    func forward(_ positions: UnsafeBufferPointer<Point3>, head: HeadGeometry) -> MBINRPass<Scalar> {
        let g = configuration.geometry, nb = positions.count, n = atomCount, d = g.inputDimensions
        let na = head.antennaCount, ns = head.subcarrierCount
        return parameters.values.withUnsafeBufferPointer { pb in
            let p = pb.baseAddress!
            let input: [Scalar] = g.normalisedInputs(positions)
            let amp = amplitude.forward(p, input: input, batch: nb)
            let dir = direction.forward(p, input: input, batch: nb)
            let del = delay.forward(p, input: input, batch: nb)
            let z = amp[amp.count - 1]
            var s = [Scalar](repeating: 0, count: nb * n), wr = s, wi = s
            SoftGate.forward(
                zRe: z.re, zIm: z.im, batch: nb, width: n, temperature: Scalar(configuration.gateTemperature),
                gates: &s, wRe: &wr, wIm: &wi)
            // Location atoms in Float64 on centred coordinates, rounded once.
            let kappa = atoms(), kr = g.wavenumber
            var psr = s, psi = s, vr = s, vi = s
            for b in 0..<nb {
                let x = positions[b] - g.origin
                for i in 0..<n {
                    var dot = 0.0
                    for c in 0..<d { dot += kappa[i * d + c] * x[c] }
                    let (sn, cs) = sinCos(-kr * dot)
                    let o = b * n + i
                    psr[o] = Scalar(cs); psi[o] = Scalar(sn)
                    vr[o] = wr[o] * psr[o] - wi[o] * psi[o]
                    vi[o] = wr[o] * psi[o] + wi[o] * psr[o]
                }
            }
            var pass = MBINRPass<Scalar>(
                batch: nb, antennas: na, subcarriers: ns, input: input, amplitude: amp, direction: dir,
                delay: del, gates: s, wRe: wr, wIm: wi, psiRe: psr, psiIm: psi, varpiRe: vr, varpiIm: vi,
                aRe: [], aIm: [], mRe: [], mIm: [], fRe: [], fIm: [], hRe: [], hIm: [])
            assembleAtoms(&pass, head: head)
            assembleOutput(&pass)
            return pass
        }
    }

    /// Ψ_a, Ψ_f and M = Ψ_a ⊙ ϖᵀ from the branch outputs.
    func assembleAtoms(_ pass: inout MBINRPass<Scalar>, head: HeadGeometry) {
        let nb = pass.batch, n = atomCount, na = head.antennaCount, ns = head.subcarrierCount, P = rank
        let kr = Scalar(configuration.geometry.wavenumber)
        let mu = pass.direction[pass.direction.count - 1], raw = pass.delay[pass.delay.count - 1]
        var ar = [Scalar](repeating: 0, count: nb * na * n), ai = ar, mr = ar, mi = ar
        var fr = [Scalar](repeating: 0, count: nb * ns * n), fi = fr
        let tOff = head.offsets.map { Scalar($0) }, tNorm = head.offsetNorms.map { Scalar($0) }
        let curv = Scalar(configuration.curvatureScale)
        let twoPiTau = Scalar(2 * Double.pi * configuration.delayScale)
        // Per-antenna phases of one atom and their sines/cosines (non-uniform arrays).
        let theta = UnsafeMutablePointer<Double>.allocate(capacity: max(na, 1))
        let sines = UnsafeMutablePointer<Float>.allocate(capacity: 2 * max(na, 1))
        defer { theta.deallocate(); sines.deallocate() }
        ar.withUnsafeMutableBufferPointer { arb in
            ai.withUnsafeMutableBufferPointer { aib in
                fr.withUnsafeMutableBufferPointer { frb in
                    fi.withUnsafeMutableBufferPointer { fib in
                        for b in 0..<nb {
                            for i in 0..<n {
                                let ao = b * na * n + i, row = b * directionWidth
                                let qv = configuration.antennaCurvature ? curv * mu[row + n * P + i] : 0
                                if let u = head.uniformAntennas {
                                    // θ_j = α t_j + β t_j², t_j = t₀ + jΔ: a quadratic phase in j, by rotation.
                                    let m = mu[row + i * P], al = kr * m, be = -kr * qv * (1 - m * m) / 2
                                    let t0 = Scalar(u.first), dl = Scalar(u.step)
                                    rotatedPhasors(
                                        first: al * t0 + be * t0 * t0, step: al * dl + be * (2 * t0 * dl + dl * dl),
                                        stepChange: 2 * be * dl * dl, count: na,
                                        re: arb.baseAddress! + ao, im: aib.baseAddress! + ao, stride: n)
                                } else {
                                    for j in 0..<na {
                                        var sj: Scalar = 0
                                        for q in 0..<P { sj += mu[row + i * P + q] * tOff[j * P + q] }
                                        theta[j] = Double(kr * (sj - qv * (tNorm[j] - sj * sj) / 2))
                                    }
                                    phasors(
                                        theta, count: na, re: arb.baseAddress! + ao, im: aib.baseAddress! + ao,
                                        stride: n, scratch: sines)
                                }
                                let fo = b * ns * n + i
                                let r = -twoPiTau * raw[b * n + i]
                                if let u = head.uniformFrequencies {
                                    rotatedPhasors(
                                        first: r * Scalar(u.first), step: r * Scalar(u.step), stepChange: 0, count: ns,
                                        re: frb.baseAddress! + fo, im: fib.baseAddress! + fo, stride: n)
                                } else {
                                    for k in 0..<ns {
                                        let th = r * Scalar(head.frequencyOffsets[k])
                                        frb[fo + k * n] = Scalar.cos(th); fib[fo + k * n] = Scalar.sin(th)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for b in 0..<nb {
            for j in 0..<na {
                for i in 0..<n {
                    let o = (b * na + j) * n + i, v = b * n + i
                    mr[o] = ar[o] * pass.varpiRe[v] - ai[o] * pass.varpiIm[v]
                    mi[o] = ar[o] * pass.varpiIm[v] + ai[o] * pass.varpiRe[v]
                }
            }
        }
        pass.aRe = ar; pass.aIm = ai; pass.mRe = mr; pass.mIm = mi; pass.fRe = fr; pass.fIm = fi
    }

    /// re[j·stride] = cos θ_j, im[j·stride] = sin θ_j for j < count: in Float32 by the vectorised polynomial
    /// (`VectorMath.sinCosFloat`, within Float32 rounding) when the network runs in Float32, else exactly.
    /// `scratch` holds 2·count Floats.
    @inline(__always)
    func phasors(
        _ theta: UnsafePointer<Double>, count: Int, re: UnsafeMutablePointer<Scalar>, im: UnsafeMutablePointer<Scalar>,
        stride: Int, scratch: UnsafeMutablePointer<Float>
    ) {
        if Scalar.self == Float.self {
            VectorMath.sinCosFloat(theta, sin: scratch, cos: scratch + count, count: count)
            for j in 0..<count { re[j * stride] = Scalar(scratch[count + j]); im[j * stride] = Scalar(scratch[j]) }
        } else {
            for j in 0..<count {
                let (s, c) = sinCos(theta[j])
                re[j * stride] = Scalar(c); im[j * stride] = Scalar(s)
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
