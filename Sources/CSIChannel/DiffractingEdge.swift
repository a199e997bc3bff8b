public import Numerics

/// A finite straight wedge edge (a building corner, a wall's end, a knife edge) that diffracts, and whose two
/// faces block the rays that cross them.
///
/// Geometry: the edge runs from `origin` along the unit `direction` for `length` metres. Angles around the edge
/// are measured from face 0 (the unit vector `face0`, perpendicular to the edge, pointing along the face away
/// from the edge), rotating about `direction` by the right-hand rule; the free space outside the wedge is
/// 0 ≤ φ ≤ nπ and face n lies at φ = nπ (exterior angle nπ, 1 < n ≤ 2: n = 1.5 for a right-angled building
/// corner, n = 2 for a half-plane). Each face is a rectangle `length` × `faceDepth` starting at the edge, used
/// for shadowing. See docs/scenes.md, "Diffraction".
public struct DiffractingEdge: Sendable, Equatable {
    /// Name from the scene file, for messages.
    public let name: String
    /// One end of the edge.
    public let origin: Point3
    /// Unit vector along the edge.
    public let direction: Point3
    /// Edge length, m.
    public let length: Double
    /// Unit vector along face 0, perpendicular to the edge.
    public let face0: Point3
    /// The wedge factor: the exterior angle is nπ.
    public let n: Double
    /// How far each face extends from the edge (m), for shadowing: [face 0, face n].
    public let faceDepth: (Double, Double)
    /// The faces' reflection coefficients in the diffraction coefficient (−1: a soft perfect conductor).
    package let reflection: (Complex<Double>, Complex<Double>)
    /// `direction × face0`: φ = 90°.
    public let binormal: Point3
    /// Unit vector along face n.
    public let faceN: Point3

    package init(
        name: String, origin: Point3, direction: Point3, length: Double, face0: Point3, n: Double,
        faceDepth: (Double, Double), reflection: (Complex<Double>, Complex<Double>) = (Complex(-1, 0), Complex(-1, 0))
    ) {
        self.name = name
        self.origin = origin
        let e = direction.normalized
        self.direction = e
        self.length = length
        let t0 = (face0 - e * face0.dot(e)).normalized
        self.face0 = t0
        self.n = n
        self.faceDepth = faceDepth
        self.reflection = reflection
        let b = e.cross(t0)
        self.binormal = b
        self.faceN = t0 * Double.cos(n * Double.pi) + b * Double.sin(n * Double.pi)
    }

    /// Equal when name and geometry (origin, direction, length) match.
    public static func == (a: DiffractingEdge, b: DiffractingEdge) -> Bool {
        a.name == b.name && a.origin == b.origin && a.direction == b.direction && a.length == b.length
            && a.face0 == b.face0
            && a.n == b.n && a.faceDepth == b.faceDepth && a.reflection == b.reflection
    }

    /// Cylindrical coordinates of `p` about the edge: position along it, distance from its line, angle from face 0
    /// in [0, 2π).
    @inlinable func cylindrical(_ p: Point3) -> (z: Double, rho: Double, phi: Double) {
        let r = p - origin
        let z = r.dot(direction)
        let a = r.dot(face0), b = r.dot(binormal)
        var phi = Double.atan2(y: b, x: a)
        if phi < 0 { phi += 2 * Double.pi }
        return (z, (a * a + b * b).squareRoot(), phi)
    }

    /// Whether the angle φ (from `cylindrical`) is outside the wedge (free space, faces included).
    @inlinable func isExterior(_ phi: Double) -> Bool { phi <= n * Double.pi + 1e-12 }

    /// The diffraction point of the ray `source → edge → receiver` from the Keller cone (equal angles to the
    /// edge): in cylindrical coordinates z_Q = (z_r ρ_s + z_s ρ_r) / (ρ_s + ρ_r), the straight line of the
    /// unfolded path. Nil when it is off the finite edge or an end lies on the edge's line.
    @inlinable func diffractionPoint(
        source s: (z: Double, rho: Double, phi: Double),
        receiver r: (z: Double, rho: Double, phi: Double)
    ) -> Double? {
        guard s.rho > 1e-9, r.rho > 1e-9 else { return nil }
        let z = (r.z * s.rho + s.z * r.rho) / (s.rho + r.rho)
        guard z >= 0, z <= length else { return nil }
        return z
    }

    /// Whether the segment a → b crosses one of the faces strictly inside it (touching a face, as a ray reflected
    /// or diffracted there does, does not count).
    @inlinable func blocks(from a: Point3, to b: Point3) -> Bool {
        crosses(face: face0, depth: faceDepth.0, a, b) || (n < 2 && crosses(face: faceN, depth: faceDepth.1, a, b))
    }

    @inlinable func crosses(face t: Point3, depth: Double, _ a: Point3, _ b: Point3) -> Bool {
        let normal = direction.cross(t)
        let sa = (a - origin).dot(normal), sb = (b - origin).dot(normal)
        let tol = 1e-9 * max(1, abs(sa) + abs(sb))
        guard (sa > tol && sb < -tol) || (sa < -tol && sb > tol) else { return false }
        let p = a + (b - a) * (sa / (sa - sb)) - origin
        let u = p.dot(direction), v = p.dot(t)
        return u > 0 && u < length && v > 0 && v < depth
    }
}
