/// A point or vector in the scene frame, metres (right-handed, z up). Float64 throughout: phases reach
/// 10³ rad over a few metres at GHz carriers, and localization targets are 10⁻⁴ m.
public typealias Point3 = SIMD3<Double>

extension SIMD3 where Scalar == Double {
    /// Euclidean norm.
    @inlinable public var length: Double { (self * self).sum().squareRoot() }
    /// Dot product.
    @inlinable public func dot(_ other: Self) -> Double { (self * other).sum() }
    /// Cross product.
    @inlinable public func cross(_ o: Self) -> Self {
        Self(y * o.z - z * o.y, z * o.x - x * o.z, x * o.y - y * o.x)
    }
    /// The unit vector in the same direction (the zero vector stays zero).
    @inlinable public var normalized: Self { let l = length; return l > 0 ? self / l : self }
}

/// The speed of light in vacuum, m/s.
public let speedOfLight: Double = 299_792_458

/// A 3×3 matrix stored by columns, used for the linear part of composed reflections.
public struct Matrix3: Sendable, Equatable {
    /// The three columns.
    public var c0: Point3, c1: Point3, c2: Point3
    /// A matrix from its columns.
    public init(_ c0: Point3, _ c1: Point3, _ c2: Point3) { self.c0 = c0; self.c1 = c1; self.c2 = c2 }
    /// The identity.
    public static let identity = Matrix3(Point3(1, 0, 0), Point3(0, 1, 0), Point3(0, 0, 1))
    /// Matrix × vector.
    @inlinable public func apply(_ v: Point3) -> Point3 { c0 * v.x + c1 * v.y + c2 * v.z }
    /// Transpose × vector (the inverse for the orthogonal matrices of reflections).
    @inlinable public func applyTransposed(_ v: Point3) -> Point3 { Point3(c0.dot(v), c1.dot(v), c2.dot(v)) }
    /// Matrix product `self · other`.
    func multiplied(by other: Matrix3) -> Matrix3 {
        Matrix3(apply(other.c0), apply(other.c1), apply(other.c2))
    }
}
