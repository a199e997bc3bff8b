import Numerics

extension ChannelSimulator {
    /// Adds every diffracted path at `x` into `acc`, per antenna and per subcarrier (the UTD coefficient depends
    /// on frequency, so these terms bypass the accumulator's constant-amplitude rotation).
    func accumulateDiffraction(at x: Point3, into acc: inout MultipathAccumulator) {
        let kw = frequencies.map { 2 * Double.pi * $0 / speedOfLight }
        for path in diffractedPaths {
            for (j, a) in antennaPositions.enumerated() {
                guard let g = path.geometry(at: x, antenna: a, scene: scene) else { continue }
                for (k, wk) in kw.enumerated() {
                    let t = path.envelope(g, wavenumber: wk, scene: scene) * Complex(length: 1, phase: -wk * g.length)
                    acc.add(antenna: j, subcarrier: k, re: t.real, im: t.imaginary)
                }
            }
        }
    }

    /// The diffracted paths that reach `x` from antenna 0, with their geometry there (diagnostics, path powers).
    func diffractedPathsReaching(_ x: Point3) -> [(path: DiffractedPath, geometry: DiffractedPath.Geometry)] {
        guard let a = antennaPositions.first else { return [] }
        return diffractedPaths.compactMap { p in p.geometry(at: x, antenna: a, scene: scene).map { (p, $0) } }
    }

    /// Step of the central difference of the diffracted envelopes in `addDiffraction`, m.
    static let envelopeStep = 1e-5

    /// Adds the diffracted paths' values and x-derivatives. A term is E(x)·e^{−jk ℓ(x)}, ℓ = s + s′. The phase
    /// derivative is exact: Q is stationary on the Keller cone, so ∂ℓ/∂x is the unit vector from Q toward x along
    /// the last leg (`Geometry.lengthGradient`). The envelope E = Γ g D / √(s s′ (s+s′)) varies on the scale of
    /// the distances (metres) and, near a shadow or reflection boundary, of the transition region s/√(kL)
    /// (decimetres at 3.5 GHz); it is differentiated by a central difference with h = 10 µm: truncation error
    /// ~(h/scale)² ≲ 1e-7, rounding ~1e-16/h ≲ 1e-11, both relative, far below the phase term (k|E| with
    /// k ≈ 73 rad/m). Within h of a boundary where the path ends (Q leaving the edge) the difference is one-sided;
    /// at a shadow boundary itself E jumps (compensating the GO jump), a measure-zero set where the Jacobian is
    /// not defined.
    func addDiffraction(at x: Point3, value v: UnsafeMutablePointer<Double>, jacobian jac: UnsafeMutablePointer<Double>)
    {
        let ns = subcarrierCount, stride = valuesPerChannel, h = Self.envelopeStep
        let kw = frequencies.map { 2 * Double.pi * $0 / speedOfLight }
        for path in diffractedPaths {
            for (j, a) in antennaPositions.enumerated() {
                guard let g0 = path.geometry(at: x, antenna: a, scene: scene) else { continue }
                var plus: [DiffractedPath.Geometry?] = [], minus: [DiffractedPath.Geometry?] = []
                for c in 0..<3 {
                    var e = Point3.zero; e[c] = h
                    plus.append(path.geometry(at: x + e, antenna: a, scene: scene))
                    minus.append(path.geometry(at: x - e, antenna: a, scene: scene))
                }
                for (k, wk) in kw.enumerated() {
                    let e0 = path.envelope(g0, wavenumber: wk, scene: scene)
                    let phasor = Complex<Double>(length: 1, phase: -wk * g0.length)
                    let t = e0 * phasor
                    let idx = 2 * (j * ns + k)
                    v[idx] += t.real; v[idx + 1] += t.imaginary
                    for c in 0..<3 {
                        let ep = plus[c].map { path.envelope($0, wavenumber: wk, scene: scene) }
                        let em = minus[c].map { path.envelope($0, wavenumber: wk, scene: scene) }
                        let dE: Complex<Double>
                        switch (ep, em) {
                        case let (p?, m?): dE = (p - m) / Complex(2 * h, 0)
                        case let (p?, nil): dE = (p - e0) / Complex(h, 0)
                        case let (nil, m?): dE = (e0 - m) / Complex(h, 0)
                        case (nil, nil): dE = .zero
                        }
                        // ∂T = (∂E − j k E ∂ℓ) e^{−jkℓ}
                        let d = (dE - Complex(0, wk * g0.lengthGradient[c]) * e0) * phasor
                        jac[c * stride + idx] += d.real
                        jac[c * stride + idx + 1] += d.imaginary
                    }
                }
            }
        }
    }
}
