public import CSIChannel
public import Numerics

/// The wedge around an `EdgeLine`: its two faces and their reflection coefficients, what the uniform theory of
/// diffraction's coefficient of a diffracted path needs besides the line (docs/model.md, "Diffracted paths").
///
/// Angles around the edge are measured from face 0 toward `binormal`; the free space outside the wedge is
/// 0 ≤ φ ≤ nπ (exterior angle nπ, 1 < n ≤ 2: 1.5 for a right-angled building corner, 2 for a half-plane), as in a
/// scene file's `edges:` (docs/scenes.md, "Diffraction"). The binormal is stored rather than derived: a wedge seen in
/// a mirror (a path reflected after the edge, a flat survey's mirrored reading) turns the other way.
public struct EdgeWedge: Sendable, Equatable {
    /// Unit vector along face 0, perpendicular to the edge.
    public var face0: Point3
    /// Unit vector perpendicular to the edge and to face 0: the direction of φ = 90°.
    public var binormal: Point3
    /// The wedge factor: the exterior angle is nπ.
    public var n: Double
    /// The reflection coefficients of face 0 and face n in the diffraction coefficient (−1: a soft perfect conductor).
    public var reflection0: Complex<Double>, reflectionN: Complex<Double>

    /// A wedge whose angles run from `face0` toward `binormal` (both unit, perpendicular to the edge and each other).
    public init(
        face0: Point3, binormal: Point3, n: Double, reflection0: Complex<Double>, reflectionN: Complex<Double>
    ) {
        self.face0 = face0
        self.binormal = binormal
        self.n = n
        self.reflection0 = reflection0
        self.reflectionN = reflectionN
    }

    /// The wedge of a scene's diffracting edge.
    public init(_ edge: DiffractingEdge) {
        self.init(
            face0: edge.face0, binormal: edge.binormal, n: edge.n, reflection0: edge.reflection.0,
            reflectionN: edge.reflection.1)
    }

    /// The angle from face 0 of a vector perpendicular to the edge, in [0, nπ]: a direction inside the wedge (a
    /// search candidate in the building, where the model has no meaning) reads as the nearer face.
    @inline(__always)
    func angle(_ radial: Point3) -> Double {
        var phi = fullAngle(radial)
        let top = n * Double.pi
        if phi > top { phi = phi - top < 2 * Double.pi - phi ? top : 0 }
        return phi
    }

    /// Whether a vector perpendicular to the edge points into free space (0 ≤ φ ≤ nπ, the faces included).
    func isExterior(_ radial: Point3) -> Bool {
        fullAngle(radial) <= n * Double.pi + 1e-12
    }

    /// The angle from face 0 toward the binormal, in [0, 2π).
    @inline(__always)
    private func fullAngle(_ radial: Point3) -> Double {
        let phi = Double.atan2(y: radial.dot(binormal), x: radial.dot(face0))
        return phi < 0 ? phi + 2 * Double.pi : phi
    }

    /// The wedge with its directions mapped by `f` (the linear part of a reflection).
    func mapped(_ f: (Point3) -> Point3) -> EdgeWedge {
        var w = self
        w.face0 = f(face0)
        w.binormal = f(binormal)
        return w
    }
}
