public import CSIChannel
import Numerics

/// The line of a diffracting edge (a building corner, a roof edge) that a fitted path bends around
/// (docs/model.md, "Diffracted paths").
///
/// A path from a point e (an antenna, or an image of one) around the edge to the receiver x obeys Keller's law: its
/// two legs make equal angles with the edge. Unfolding the cone about the edge onto a plane makes the path straight,
/// so its length has a closed form in the along-edge coordinates a and the distances ρ from the edge line:
///
///     L(x) = √((ρ_e + ρ_x)² + (a_x − a_e)²).
///
/// Equivalently L = ‖x − v‖ for the *unfolded* point v = q + a_e t − ρ_e u(x), where u(x) is the unit vector from
/// the edge toward x: e turned about the edge into the half-plane opposite x. And since the diffraction point is
/// stationary, ∂L/∂x = (x − v)/L exactly — the path behaves, to first order in x, like a straight path from v. The
/// model's kernels therefore treat a diffracted path as a spherical wave from per-antenna points that move with x.
///
/// The line is infinite: where the real edge ends or a face hides the path, the fitted gain (a gain map) says so.
public struct EdgeLine: Sendable, Equatable {
    /// A point of the line, m.
    public var point: Point3
    /// Unit vector along the line.
    public var direction: Point3
    /// The wedge around the line (faces, reflection coefficients), for the diffraction coefficient of the paths
    /// around it; nil: the coefficient is left to the paths' fitted gains.
    public var wedge: EdgeWedge?

    /// The line through `point` along `direction` (normalised unless it already is to rounding, so that a line read
    /// back from a model file is bit-identical; it must not be zero), with its `wedge` when the scene gives one.
    public init(point: Point3, direction: Point3, wedge: EdgeWedge? = nil) {
        self.point = point
        let length = direction.length
        self.direction = abs(length - 1) <= 4 * Double.ulpOfOne ? direction : direction / length
        self.wedge = wedge
    }

    /// The line of a scene's diffracting edge, with its wedge (faces, reflection coefficients) when `wedge`: what
    /// `csiloc train --edges SCENE.yaml [--edge-coefficients]` gives the fit.
    public init(_ edge: DiffractingEdge, wedge: Bool = true) {
        self.init(point: edge.origin, direction: edge.direction, wedge: wedge ? EdgeWedge(edge) : nil)
    }

    /// Along-edge coordinate of `p` and its radial vector from the line (perpendicular to it).
    @inline(__always)
    func coordinates(_ p: Point3) -> (along: Double, radial: Point3) {
        let w = p - point
        let a = w.dot(direction)
        return (a, w - direction * a)
    }

    /// The unfolded point of the source `e` seen from the receiver `x` (see the type's documentation); when `x` is
    /// on the line (no direction to unfold to), `e` itself.
    @inline(__always)
    func unfolded(_ e: Point3, seenFrom x: Point3) -> Point3 {
        let (ae, re) = coordinates(e)
        let rx = coordinates(x).radial
        let rhoX = rx.length
        guard rhoX > 0, rhoX.isFinite else { return e }
        return point + direction * ae - (rx / rhoX) * re.length
    }

    /// Path length from `e` around the line to `x` (the closed form of the type's documentation).
    func pathLength(from e: Point3, to x: Point3) -> Double {
        let (ax, rx) = coordinates(x)
        return pathLength(from: e, toAlong: ax, radius: rx.length)
    }

    /// Distances from the line below this are taken as this (m): the spreading grows as 1/√ρ toward the line (its
    /// caustic), and a position on the line (inside the wall: a search candidate, a hostile input) must stay finite.
    static let minimumRadius = 1e-4

    /// The amplitude spreading of the wave from `e` diffracted by the line toward `x` (uniform theory of
    /// diffraction, a spherical wave on a straight edge): the amplitude is 1/r with r = √(s s′ (s + s′)), s′ and s
    /// the legs before and after Keller's point (a straight path's r is its length). On the unfolded cone the legs
    /// split L in the ratio of the distances from the line, s′ = L ρ_e/(ρ_e + ρ_x), s = L ρ_x/(ρ_e + ρ_x), so
    /// r = L^{3/2} √(ρ_e ρ_x)/(ρ_e + ρ_x). The wedge's diffraction coefficient (its angular dependence) is not in r:
    /// a diffracted path's fitted gain, slopes and maps carry it (docs/model.md, "Diffracted paths"). Also returns
    /// ∂ln(1/r)/∂x and ∂ln(1/r)/∂e, exact.
    func spreading(from e: Point3, to x: Point3) -> (divisor: Double, logGradientX: Point3, logGradientE: Point3) {
        let (ae, re) = coordinates(e), (ax, rx) = coordinates(x)
        let rhoE = Swift.max(re.length, Self.minimumRadius), rhoX = Swift.max(rx.length, Self.minimumRadius)
        // The unit radial vectors (zero within the floor, where ρ is held constant).
        let ue = re.length >= Self.minimumRadius ? re / re.length : .zero
        let ux = rx.length >= Self.minimumRadius ? rx / rx.length : .zero
        let rho = rhoE + rhoX, da = ax - ae
        let length = (rho * rho + da * da).squareRoot()
        let dLdx = (ux * rho + direction * da) / length, dLde = (ue * rho - direction * da) / length
        let divisor = length * length.squareRoot() * (rhoE * rhoX).squareRoot() / rho
        // ln(1/r) = ln(ρ_e + ρ_x) − (3/2) ln L − (1/2) ln ρ_e − (1/2) ln ρ_x
        let gx = ux / rho - dLdx * (1.5 / length) - ux * (0.5 / rhoX)
        let ge = ue / rho - dLde * (1.5 / length) - ue * (0.5 / rhoE)
        return (divisor, gx, ge)
    }

    /// The divisor r of `spreading(from:to:)` for a receiver already in the line's coordinates (value kernels).
    @inline(__always)
    func spreadingDivisor(from e: Point3, toAlong ax: Double, radius rhoX: Double) -> Double {
        let (ae, re) = coordinates(e)
        let rhoE = Swift.max(re.length, Self.minimumRadius), rx = Swift.max(rhoX, Self.minimumRadius)
        let rho = rhoE + rx, da = ax - ae
        let length = (rho * rho + da * da).squareRoot()
        return length * length.squareRoot() * (rhoE * rx).squareRoot() / rho
    }

    /// `pathLength(from:to:)` for a receiver already in the line's coordinates (along it, distance from it), so that
    /// a kernel computes them once for all antennas.
    @inline(__always)
    func pathLength(from e: Point3, toAlong ax: Double, radius rhoX: Double) -> Double {
        let (ae, re) = coordinates(e)
        let rho = re.length + rhoX, da = ax - ae
        return (rho * rho + da * da).squareRoot()
    }

    /// −∂L/∂e: the derivative of the path length with respect to the source point, negated (for a straight path
    /// this is the unit vector from e toward x). With w_e the unit radial vector of e:
    /// ∂L/∂e = ((a_e − a_x) t + (ρ_e + ρ_x) w_e)/L.
    func sourceDirection(from e: Point3, to x: Point3) -> Point3 {
        let (ae, re) = coordinates(e), (ax, rx) = coordinates(x)
        let rhoE = re.length, rho = rhoE + rx.length, da = ax - ae
        let length = (rho * rho + da * da).squareRoot()
        guard length > 0, rhoE > 0 else { return (x - e) / Swift.max((x - e).length, .leastNormalMagnitude) }
        return (direction * da - (re / rhoE) * rho) / length
    }

    /// Where the path from `e` to `x` touches the line (Keller's point: it divides the along-edge separation in the
    /// ratio of the two distances from the line).
    func diffractionPoint(from e: Point3, to x: Point3) -> Point3 {
        let (ae, re) = coordinates(e), (ax, rx) = coordinates(x)
        let rho = re.length + rx.length
        let share = rho > 0 ? re.length / rho : 0.5
        return point + direction * (ae + (ax - ae) * share)
    }

    /// The line mirrored through the plane z = `z0` (its wedge too).
    func mirrored(z0: Double) -> EdgeLine {
        var m = self
        m.point.z = 2 * z0 - point.z
        m.direction.z = -direction.z
        m.wedge = wedge?.mapped { Point3($0.x, $0.y, -$0.z) }
        return m
    }

    /// The line (and its wedge) under a reflection: `point` maps points, `direction` its linear part.
    func reflected(point f: (Point3) -> Point3, direction g: (Point3) -> Point3) -> EdgeLine {
        EdgeLine(point: f(point), direction: g(direction), wedge: wedge?.mapped(g))
    }

    // MARK: - The diffraction coefficient

    /// Step of the central differences of the coefficient, m: it varies on the scale of the distances and, near a
    /// shadow or reflection boundary, of the transition region (decimetres), so the truncation error is ~(h/scale)²
    /// ≲ 1e-8 and the rounding ~1e-16/h ≲ 1e-11, both relative (as the simulator's `envelopeStep`).
    static let coefficientStep = 1e-5

    /// The wedge's diffraction coefficient D (uniform theory of diffraction, Kouyoumjian–Pathak with the faces'
    /// reflection coefficients, `DiffractionCoefficient.wedge`; units √m) for the path from `e` around the line to
    /// `x` at wavenumber `k`; 1 without a wedge. Its arguments on the unfolded cone: sin β₀ = (ρ_e + ρ_x)/L, the
    /// distance parameter s s′ sin²β₀/(s + s′) = L ρ_e ρ_x sin²β₀/(ρ_e + ρ_x)², and the angles of e and x from face 0.
    func coefficient(from e: Point3, to x: Point3, wavenumber k: Double) -> Complex<Double> {
        guard let wedge else { return Complex(1, 0) }
        let (ae, re) = coordinates(e), (ax, rx) = coordinates(x)
        let rhoE = Swift.max(re.length, Self.minimumRadius), rhoX = Swift.max(rx.length, Self.minimumRadius)
        let rho = rhoE + rhoX, da = ax - ae
        let length = (rho * rho + da * da).squareRoot()
        let sinBeta0 = rho / length
        let distance = length * rhoE * rhoX / (rho * rho) * sinBeta0 * sinBeta0
        return DiffractionCoefficient.wedge(
            phi: wedge.angle(rx), phiPrime: wedge.angle(re), n: wedge.n, distance: distance, wavenumber: k,
            sinBeta0: sinBeta0, reflection0: wedge.reflection0, reflectionN: wedge.reflectionN)
    }

    /// `coefficient(from:to:wavenumber:)` with its gradient in the receiver x (central differences,
    /// `coefficientStep`).
    func coefficientAndReceiverGradient(
        from e: Point3, to x: Point3, wavenumber k: Double
    ) -> (value: Complex<Double>, gradient: (Complex<Double>, Complex<Double>, Complex<Double>)) {
        (
            coefficient(from: e, to: x, wavenumber: k),
            Self.centralDifference(at: x) { coefficient(from: e, to: $0, wavenumber: k) }
        )
    }

    /// `coefficient(from:to:wavenumber:)` with its gradient in the source e (central differences, `coefficientStep`).
    func coefficientAndSourceGradient(
        from e: Point3, to x: Point3, wavenumber k: Double
    ) -> (value: Complex<Double>, gradient: (Complex<Double>, Complex<Double>, Complex<Double>)) {
        (
            coefficient(from: e, to: x, wavenumber: k),
            Self.centralDifference(at: e) { coefficient(from: $0, to: x, wavenumber: k) }
        )
    }

    private static func centralDifference(
        at p: Point3, _ f: (Point3) -> Complex<Double>
    ) -> (Complex<Double>, Complex<Double>, Complex<Double>) {
        let h = coefficientStep
        func along(_ c: Int) -> Complex<Double> {
            var d = Point3.zero
            d[c] = h
            return (f(p + d) - f(p - d)) * Complex(1 / (2 * h), 0)
        }
        return (along(0), along(1), along(2))
    }
}
