package import Numerics

/// A planar reflector (wall, ground, ceiling) for the image-source model.
public struct ReflectingPlane: Sendable, Equatable {
    /// Name from the scene file, for messages.
    public let name: String
    /// A point on the plane (the centre of the extent when finite).
    public let point: Point3
    /// Unit normal.
    public let normal: Point3
    /// Complex reflection coefficient applied to every path that bounces here.
    let reflection: Complex<Double>
    /// Finite rectangular extent, or nil for an unbounded plane.
    public let extent: Extent?

    /// A rectangle centred on `point`: `size.0` along `u`, `size.1` along `normal × u`.
    public struct Extent: Sendable, Equatable {
        /// Unit vector of the first side.
        public let u: Point3
        /// Unit vector of the second side (`normal × u`).
        public let v: Point3
        /// Half the length along `u`, metres.
        public let halfU: Double
        /// Half the length along `v`, metres.
        public let halfV: Double
    }

    package init(
        name: String, point: Point3, normal: Point3, reflection: Complex<Double>,
        extent: (u: Point3, size: (Double, Double))? = nil
    ) {
        self.name = name
        self.point = point
        let n = normal.normalized
        self.normal = n
        self.reflection = reflection
        if let extent {
            // Project u into the plane so that the rectangle lies on it.
            let u = (extent.u - n * extent.u.dot(n)).normalized
            self.extent = Extent(u: u, v: n.cross(u), halfU: extent.size.0 / 2, halfV: extent.size.1 / 2)
        } else {
            self.extent = nil
        }
    }

    /// Mirror image of `p` through the plane.
    @inlinable func mirror(_ p: Point3) -> Point3 { p - normal * (2 * (p - point).dot(normal)) }

    /// The linear part of the reflection, I − 2nnᵀ.
    var reflectionMatrix: Matrix3 {
        let n = normal
        return Matrix3(
            Point3(1, 0, 0) - n * (2 * n.x), Point3(0, 1, 0) - n * (2 * n.y), Point3(0, 0, 1) - n * (2 * n.z))
    }

    /// Where the segment `a → b` crosses the plane, if it crosses strictly inside the extent.
    @inlinable func crossing(from a: Point3, to b: Point3) -> Point3? {
        let sa = (a - point).dot(normal), sb = (b - point).dot(normal)
        guard (sa > 0 && sb < 0) || (sa < 0 && sb > 0) else { return nil }
        let t = sa / (sa - sb)
        let r = a + (b - a) * t
        if let e = extent {
            let q = r - point
            if abs(q.dot(e.u)) > e.halfU || abs(q.dot(e.v)) > e.halfV { return nil }
        }
        return r
    }
}
