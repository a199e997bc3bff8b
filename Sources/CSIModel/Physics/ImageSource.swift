public import CSIChannel
public import Numerics

/// One fitted propagation path: an image of the base-station array (centre + frame) and a complex gain
/// that is constant or varies linearly with the receiver position; with an `edge`, the path bends around that
/// edge line on its way from the image array to the receiver (a diffracted path, `EdgeLine`).
public struct ImageSource: Sendable, Equatable {
    /// Image-array centre, scene frame (metres).
    public var center: Point3
    /// Image-array axes (orthonormal; a mirrored frame when the path has an odd number of bounces).
    public var e1: Point3, e2: Point3, e3: Point3
    /// Gain at the model's gain reference point.
    public var gain: Complex<Double>
    /// ∂gain/∂(x, y, z) — zero unless the model varies gains with position.
    public var gainSlope: (Complex<Double>, Complex<Double>, Complex<Double>)
    /// The edge a diffracted path bends around (its geometry is never fitted: it comes from a scene description);
    /// nil for a straight path from the image array.
    public var edge: EdgeLine?

    init(center: Point3, frame: (Point3, Point3, Point3), gain: Complex<Double> = .zero, edge: EdgeLine? = nil) {
        self.center = center
        (e1, e2, e3) = frame
        self.gain = gain
        gainSlope = (.zero, .zero, .zero)
        self.edge = edge
    }

    /// Equal when centre, frame, gain and edge match.
    public static func == (a: ImageSource, b: ImageSource) -> Bool {
        a.center == b.center && a.e1 == b.e1 && a.e2 == b.e2 && a.e3 == b.e3 && a.gain == b.gain
            && a.gainSlope.0 == b.gainSlope.0 && a.gainSlope.1 == b.gainSlope.1 && a.gainSlope.2 == b.gainSlope.2
            && a.edge == b.edge
    }

    /// Position of element `o` (offsets along the frame) of this image array.
    @inlinable func element(_ o: SIMD3<Double>) -> Point3 { center + e1 * o.x + e2 * o.y + e3 * o.z }

    /// The point the path from element `o` seems to come from at `x`: the element itself, or for a diffracted path
    /// the element unfolded about the edge (`EdgeLine.unfolded`); its distance to `x` is the path length.
    @inline(__always) func apparentElement(_ o: SIMD3<Double>, seenFrom x: Point3) -> Point3 {
        let e = element(o)
        guard let edge else { return e }
        return edge.unfolded(e, seenFrom: x)
    }

    /// Element offset vector Δ = t e1 + s e2 + w e3.
    @inlinable func displacement(_ o: SIMD3<Double>) -> Point3 { e1 * o.x + e2 * o.y + e3 * o.z }

    /// The wave from element `o` to `x` under `phaseModel`: distance `d` and unit direction `n` (from the element;
    /// for a plane wave from the centre), its spreading r (the amplitude is 1/r: r = d, or a diffracted path's
    /// `EdgeLine.spreading`) with ∂ln(1/r)/∂x (−n/d for r = d), and the plane wave's direction phase φ = k₀ n·Δ with
    /// its gradient ∂φ/∂x (both zero for spherical wavefronts). A diffracted path is always spherical from its
    /// unfolded element: d is its length and n = ∂d/∂x exactly (`EdgeLine`).
    @inline(__always)
    func wave(
        from o: SIMD3<Double>, to x: Point3, phaseModel: ArrayPhaseModel, k0: Double
    ) -> (d: Double, n: Point3, spreading: Double, logGradient: Point3, phase: Double, grad: Point3) {
        if let edge {
            let w = x - apparentElement(o, seenFrom: x), d = w.length
            let spread = edge.spreading(from: element(o), to: x)
            return (d, w / d, spread.divisor, spread.logGradientX, 0, .zero)
        }
        switch phaseModel {
        case .spherical:
            // One division: the reciprocal of the distance (this runs per source and antenna of every Jacobian).
            let w = x - element(o), d = w.length, inverse = 1 / d, n = w * inverse
            return (d, n, d, -n * inverse, 0, .zero)
        case .planeWave:
            let w = x - center, d = w.length, n = w / d
            let delta = displacement(o)
            return (d, n, d, -n / d, k0 * n.dot(delta), (delta - n * n.dot(delta)) * (k0 / d))
        }
    }

    /// The spreading r (amplitude 1/r) of the path from element `o` to `x` whose length is `d`: d itself, or a
    /// diffracted path's `EdgeLine.spreading`.
    @inline(__always) func spreading(from o: SIMD3<Double>, to x: Point3, length d: Double) -> Double {
        guard let edge else { return d }
        let (ax, rx) = edge.coordinates(x)
        return edge.spreadingDivisor(from: element(o), toAlong: ax, radius: rx.length)
    }

    /// Gain at `x` given the reference point.
    @inlinable func gain(at x: Point3, reference r: Point3) -> Complex<Double> {
        let d = x - r
        return gain + gainSlope.0 * Complex(d.x, 0) + gainSlope.1 * Complex(d.y, 0) + gainSlope.2 * Complex(d.z, 0)
    }

    /// Rotates the frame by the rotation vector `w` (Rodrigues).
    mutating func rotate(by w: Point3) {
        let angle = w.length
        guard angle > 0 else { return }
        let k = w / angle
        let c = Double.cos(angle), s = Double.sin(angle)
        func rot(_ v: Point3) -> Point3 { v * c + k.cross(v) * s + k * (k.dot(v) * (1 - c)) }
        e1 = rot(e1); e2 = rot(e2); e3 = rot(e3)
    }
}

/// How the phase varies across the elements of an image array.
enum ArrayPhaseModel: String, Sendable, Codable, CaseIterable {
    /// Exact spherical wavefronts per element (real arrays, the csiloc simulator).
    case spherical
    /// One plane wave across the array at the carrier wavelength, no curvature or beam squint — what many
    /// ray tracers export (they trace from the array centre).
    case planeWave = "plane-wave"
}
