public import Numerics

/// One diffracted path of the simulator: antenna → [plane] → edge → [plane] → receiver, at most one reflection
/// on either side of the edge (docs/scenes.md, "Diffraction").
///
/// At a receiver x and antenna a, the term is
///
///   Γ · g(u) · D(φ, φ′, L, k) · e^{−jk(s + s′)} / √(s s′ (s + s′)),
///
/// with s′ the (unfolded) length from the antenna (or its image through the plane before the edge) to the
/// diffraction point Q, s the (unfolded) length from Q to x (or x's image through the plane after the edge),
/// Q on the Keller cone (`DiffractingEdge.diffractionPoint`), D the UTD coefficient (`DiffractionCoefficient`),
/// Γ the plane's reflection coefficient (1 without a plane) and g the element pattern toward the departure
/// direction. The path exists only when Q lies on the finite edge, both ends are outside the wedge, every
/// reflection point is inside its plane and no leg crosses a wedge face.
public struct DiffractedPath: Sendable, Equatable {
    /// Index of the edge in `Scene.edges`.
    let edge: Int
    /// Plane (index in `Scene.planes`) reflecting between the antenna and the edge, if any.
    let planeBefore: Int?
    /// Plane reflecting between the edge and the receiver, if any.
    let planeAfter: Int?

    init(edge: Int, planeBefore: Int? = nil, planeAfter: Int? = nil) {
        self.edge = edge; self.planeBefore = planeBefore; self.planeAfter = planeAfter
    }

    /// Number of reflections on the path.
    var reflectionCount: Int { (planeBefore == nil ? 0 : 1) + (planeAfter == nil ? 0 : 1) }

    /// Every diffracted path of `scene`: per edge the pure diffraction and, when the scene allows reflections,
    /// reflect-then-diffract and diffract-then-reflect through each plane.
    static func enumerate(in scene: Scene) -> [DiffractedPath] {
        var result: [DiffractedPath] = []
        for e in scene.edges.indices {
            result.append(DiffractedPath(edge: e))
            guard scene.maxReflectionOrder >= 1 else { continue }
            // A plane through the edge's line (a face of the wedge) is accounted for by the coefficient's Γ terms.
            let planes = scene.planes.indices.filter { !scene.planes[$0].contains(line: scene.edges[e]) }
            for p in planes { result.append(DiffractedPath(edge: e, planeBefore: p)) }
            for p in planes { result.append(DiffractedPath(edge: e, planeAfter: p)) }
        }
        return result
    }

    /// The geometry of the path at one receiver from one antenna (frequency independent).
    public struct Geometry: Sendable {
        /// Diffraction point.
        public var point: Point3
        /// Unfolded lengths: source (image) → Q and Q → receiver (image), m.
        var sPrime: Double, s: Double
        /// Angles of the source (image) and receiver (image) from face 0, and sin β₀.
        var phiPrime: Double, phi: Double, sinBeta0: Double
        /// Product of the reflection coefficients and the element gain toward the departure direction.
        public var gain: Complex<Double>
        /// ∂(s + s′)/∂x: the unit vector from Q toward x along the last leg (reflected back for a plane after).
        var lengthGradient: Point3

        /// Total length s + s′.
        public var length: Double { s + sPrime }
    }

    /// The geometry at receiver `x` from antenna position `a`, or nil when the path does not exist there.
    public func geometry(at x: Point3, antenna a: Point3, scene: Scene) -> Geometry? {
        let wedge = scene.edges[edge]
        var gamma = Complex<Double>(1, 0)
        var source = a
        if let p = planeBefore {
            let plane = scene.planes[p]
            source = plane.mirror(a); gamma = gamma * plane.reflection
        }
        var receiver = x
        if let p = planeAfter {
            let plane = scene.planes[p]
            receiver = plane.mirror(x); gamma = gamma * plane.reflection
        }
        let cs = wedge.cylindrical(source), cr = wedge.cylindrical(receiver)
        guard wedge.isExterior(cs.phi), wedge.isExterior(cr.phi),
            let zq = wedge.diffractionPoint(source: cs, receiver: cr)
        else { return nil }
        let q = wedge.origin + wedge.direction * zq
        // The real vertices of the path, antenna first.
        var vertices = [a]
        if let p = planeBefore {
            guard let r = scene.planes[p].crossing(from: q, to: source) else { return nil }
            vertices.append(r)
        }
        vertices.append(q)
        if let p = planeAfter {
            guard let r = scene.planes[p].crossing(from: q, to: receiver) else { return nil }
            vertices.append(r)
        }
        vertices.append(x)
        for i in 0..<(vertices.count - 1) {
            for other in scene.edges where other.blocks(from: vertices[i], to: vertices[i + 1]) { return nil }
        }
        let inc = q - source, out = receiver - q
        let sPrime = inc.length, s = out.length
        guard sPrime > 0, s > 0 else { return nil }
        var departure = inc / sPrime
        if let p = planeBefore { departure = scene.planes[p].mirrorDirection(departure) }
        let g = scene.array.pattern.gain(toward: departure)
        var grad = out / s
        if let p = planeAfter { grad = scene.planes[p].mirrorDirection(grad) }
        return Geometry(
            point: q, sPrime: sPrime, s: s, phiPrime: cs.phi, phi: cr.phi, sinBeta0: cs.rho / sPrime,
            gain: gamma * Complex(g, 0), lengthGradient: grad)
    }

    /// The term's complex envelope at wavenumber k (everything but e^{−jk(s+s′)}):
    /// Γ g D / √(s s′ (s + s′)).
    func envelope(_ g: Geometry, wavenumber k: Double, scene: Scene) -> Complex<Double> {
        let wedge = scene.edges[edge]
        let sum = g.s + g.sPrime
        let distance = g.s * g.sPrime * g.sinBeta0 * g.sinBeta0 / sum
        let d = DiffractionCoefficient.wedge(
            phi: g.phi, phiPrime: g.phiPrime, n: wedge.n, distance: distance, wavenumber: k,
            sinBeta0: g.sinBeta0, reflection0: wedge.reflection.0, reflectionN: wedge.reflection.1)
        return g.gain * d * Complex(1 / (g.s * g.sPrime * sum).squareRoot(), 0)
    }
}

extension ReflectingPlane {
    /// The mirror image of a direction (the linear part of the reflection).
    /// Whether the edge's line lies in the plane (within 1 µm over its length).
    func contains(line e: DiffractingEdge) -> Bool {
        abs((e.origin - point).dot(normal)) < 1e-6 && abs(e.direction.dot(normal)) * max(1, e.length) < 1e-6
    }

    @inlinable func mirrorDirection(_ u: Point3) -> Point3 { u - normal * (2 * u.dot(normal)) }
}
