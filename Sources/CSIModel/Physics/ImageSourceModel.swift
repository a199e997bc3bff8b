public import CSIChannel
import CSINumerics
import Numerics

/// The image-source location-to-channel model (docs/method.md §16.1): the channel is a sum of L image arrays,
///
///   H_jk(x) = Σ_l g_l(x) / d_lj(x) · exp(−j 2π f_k d_lj(x) / c),   d_lj = ‖x − c_l − Δ_lj‖,
///
/// with Δ_lj the element offset along the image array's own axes (spherical phase model), or one plane
/// wave across the array at the carrier (plane-wave phase model). Fitted from a survey by
/// `ImageSourceFitter`; exact, cheap to evaluate, with closed-form gradients.
///
/// Parameters live in normalised channel units; `scale` converts back (raw = normalised / scale).
public struct ImageSourceModel: ChannelModel {
    /// The fitted paths, one image source each.
    public var sources: [ImageSource]
    /// The array's centre and principal axes the sources are expressed in.
    public let frame: ArrayFrame
    /// Antenna positions, metres.
    public let antennaPositions: [Point3]
    /// Subcarrier frequencies, Hz.
    public let frequencies: [Double]
    /// Reference frequency for the plane-wave phase model (Hz).
    public let carrier: Double
    var phaseModel: ArrayPhaseModel
    /// Point about which gains vary linearly (the survey centre).
    let gainReference: Point3
    /// Raw channel = model / scale.
    public let scale: Double
    /// Position-dependent path gains replacing the constant/linear ones, when fitted.
    var gainMap: GainMap? = nil

    init(
        sources: [ImageSource], antennas: [Point3], frequencies: [Double], carrier: Double,
        phaseModel: ArrayPhaseModel, gainReference: Point3, scale: Double
    ) {
        self.sources = sources
        self.frame = ArrayFrame(antennas: antennas)
        self.antennaPositions = antennas
        self.frequencies = frequencies
        self.carrier = carrier
        self.phaseModel = phaseModel
        self.gainReference = gainReference
        self.scale = scale
    }

    /// The modelled channel at each position, interleaved complex, antenna-major, in raw units.
    public func evaluate(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutableBufferPointer<Double>) {
        let stride = valuesPerChannel
        precondition(output.count >= positions.count * stride, "output buffer too small")
        var acc = MultipathAccumulator(antennas: antennaCount, frequencies: frequencies)
        for (b, x) in positions.enumerated() {
            accumulate(at: x, into: &acc, normalised: false)
            acc.write(into: output.baseAddress! + b * stride)
        }
    }

    /// Sums all sources at `x`; in raw units unless `normalised`.
    func accumulate(at x: Point3, into acc: inout MultipathAccumulator, normalised: Bool) {
        acc.clear()
        let outScale = normalised ? 1 : 1 / scale
        let k0 = 2 * Double.pi * carrier / speedOfLight
        let offsets = frame.offsets
        for (l, src) in sources.enumerated() {
            var g =
                (gainMap?.gain(path: l, at: x).value ?? src.gain(at: x, reference: gainReference))
                * Complex(outScale, 0)
            if let d = wedgeCoefficient(src, at: x) { g = g * d }
            acc.amplitudeRe.withUnsafeMutableBufferPointer { are in
                acc.amplitudeIm.withUnsafeMutableBufferPointer { aim in
                    acc.delay.withUnsafeMutableBufferPointer { tau in
                        switch src.edge == nil ? phaseModel : .spherical {
                        case .spherical:
                            for j in offsets.indices {
                                let d = (x - src.apparentElement(offsets[j], seenFrom: x)).length
                                let r = src.spreading(from: offsets[j], to: x, length: d)
                                are[j] = g.real / r
                                aim[j] = g.imaginary / r
                                tau[j] = d / speedOfLight
                            }
                        case .planeWave:
                            let v = x - src.center
                            let d = v.length
                            let u = v / d
                            for j in offsets.indices {
                                let phi = k0 * u.dot(src.displacement(offsets[j]))
                                let (s, c) = sinCos(phi)
                                are[j] = (g.real * c - g.imaginary * s) / d
                                aim[j] = (g.real * s + g.imaginary * c) / d
                                tau[j] = d / speedOfLight
                            }
                        }
                    }
                }
            }
            acc.addPath()
        }
    }

    /// Closed-form ∂H/∂x (raw units). Spherical: ∂T = e^{−jk_f d}/d·(∇g − g n/d − j k_f g n), n = (x−p)/d.
    /// Plane wave adds the direction term j k₀ g (Δ − u(u·Δ))/d.
    public func evaluateWithJacobian(
        at x: Point3, value: UnsafeMutableBufferPointer<Double>,
        jacobian: UnsafeMutableBufferPointer<Double>
    ) {
        precondition(
            value.count >= valuesPerChannel && jacobian.count >= 3 * valuesPerChannel, "output buffers too small")
        if let df = SubcarrierPlan(frequencies: frequencies).uniformSpacing, antennaCount > 0, subcarrierCount > 0 {
            fastJacobian(at: x, spacing: df, value: value.baseAddress!, jacobian: jacobian.baseAddress!)
        } else {
            referenceJacobian(at: x, value: value, jacobian: jacobian)
        }
    }

    /// The closed-form value and Jacobian entry by entry (any subcarrier plan; the reference the fast form is
    /// tested against).
    func referenceJacobian(
        at x: Point3, value: UnsafeMutableBufferPointer<Double>,
        jacobian: UnsafeMutableBufferPointer<Double>
    ) {
        let na = antennaCount, ns = subcarrierCount, stride = valuesPerChannel
        let (v, jac) = zeroedJacobianOutputs(value: value, jacobian: jacobian)
        let k0 = 2 * Double.pi * carrier / speedOfLight
        let inv = 1 / scale
        let kfs = frequencies.map { 2 * Double.pi * $0 / speedOfLight }
        let uniformStep = SubcarrierPlan(frequencies: frequencies).uniformSpacing.map {
            2 * Double.pi * $0 / speedOfLight
        }
        for (l, src) in sources.enumerated() {
            let (g, gs) = gainAndSlopes(path: l, source: src, at: x, times: Complex(inv, 0))
            let slopes = [gs.0, gs.1, gs.2]
            for j in 0..<na {
                // dirGrad = ∂φ_j/∂x (plane wave only)
                let (d, n, spreading, logGradient, dirPhase, dirGrad) = src.wave(
                    from: frame.offsets[j], to: x, phaseModel: phaseModel, k0: k0)
                // Phasor B_k = e^{j(φ − k_f d)}/r (r = d, or a diffracted path's spreading) advanced across
                // subcarriers by rotation (exact re-anchor every 64).
                var br = 0.0, bi = 0.0, sr = 1.0, si = 0.0
                for k in 0..<ns {
                    let kf = kfs[k]
                    if k % 64 == 0 || uniformStep == nil {
                        let (sn, cs) = sinCos(dirPhase - kf * d)
                        br = cs / spreading; bi = sn / spreading
                        if let dk = uniformStep { let (a, b) = sinCos(-dk * d); sr = b; si = a }
                    }
                    let b = Complex(br, bi)
                    let t = g * b
                    let idx = 2 * (j * ns + k)
                    v[idx] += t.real; v[idx + 1] += t.imaginary
                    for c in 0..<3 {
                        // ∂T/∂x_c = B ∂g_c + T·(∂ln(1/r)/∂x_c − j kf n_c + j ∂φ_c)  (−n_c/d for r = d)
                        let factor = Complex(logGradient[c], -kf * n[c] + dirGrad[c])
                        let dT = b * slopes[c] + t * factor
                        jac[c * stride + idx] += dT.real
                        jac[c * stride + idx + 1] += dT.imaginary
                    }
                    let nr = br * sr - bi * si; bi = br * si + bi * sr; br = nr
                }
            }
        }
    }
}

extension ImageSourceModel {
    /// Path `l`'s gain at `x` and its slopes ∂g/∂(x, y, z) (the gain map's when there is one, which has no z
    /// slope), each times `factor`; a diffracted path's gain times its wedge coefficient (`wedgeCoefficient`), the
    /// slopes with the coefficient's gradient.
    @inline(__always)
    func gainAndSlopes(
        path l: Int, source src: ImageSource, at x: Point3, times factor: Complex<Double>
    ) -> (Complex<Double>, (Complex<Double>, Complex<Double>, Complex<Double>)) {
        let g: Complex<Double>, s: (Complex<Double>, Complex<Double>, Complex<Double>)
        if let map = gainMap {
            let m = map.gain(path: l, at: x)
            (g, s) = (m.value * factor, (m.dx * factor, m.dy * factor, .zero))
        } else {
            g = src.gain(at: x, reference: gainReference) * factor
            s = (src.gainSlope.0 * factor, src.gainSlope.1 * factor, src.gainSlope.2 * factor)
        }
        guard let edge = src.edge, edge.wedge != nil else { return (g, s) }
        let (d, dd) = edge.coefficientAndReceiverGradient(from: src.center, to: x, wavenumber: diffractionWavenumber)
        return (g * d, (s.0 * d + g * dd.0, s.1 * d + g * dd.1, s.2 * d + g * dd.2))
    }

    /// Per-path quantities at `x` (delay to the image-array centre — unfolded about a diffracted path's edge — unit
    /// direction from it toward x, complex amplitude g/r in raw units, r = d or a diffracted path's spreading): the
    /// targets that warm-start a neural model.
    func pathQuantities(at x: Point3) -> [(delay: Double, direction: Point3, amplitude: Complex<Double>)] {
        sources.enumerated().map { (l, s) in
            let w = x - (s.edge?.unfolded(s.center, seenFrom: x) ?? s.center), d = w.length
            let g =
                (gainMap?.gain(path: l, at: x).value ?? s.gain(at: x, reference: gainReference))
                * (wedgeCoefficient(s, at: x) ?? Complex(1, 0))
            return (d / speedOfLight, w / d, g * Complex(1 / (scale * s.spreading(from: .zero, to: x, length: d)), 0))
        }
    }
}
