/// A straight line of the scene — a point on it and its unit direction —, e.g. the axis of a line array, about which
/// a search scans circles of candidate positions (`ChannelModel.evaluateSplit(onCircles:…)`).
public struct AxisLine: Sendable, Equatable {
    /// A point of the line (scene frame, metres).
    public let origin: Point3
    /// The line's unit direction.
    public let direction: Point3

    /// The line through `origin` along `direction`, which must be a unit vector.
    public init(origin: Point3, direction: Point3) {
        precondition(abs(direction.length - 1) < 1e-9, "an axis direction must be a unit vector")
        self.origin = origin
        self.direction = direction
    }

    /// The axial coordinate of `x` along the line (from `origin`) and its distance from the line.
    @inlinable public func cylindrical(_ x: Point3) -> (axial: Double, radial: Double) {
        let w = x - origin, a = w.dot(direction)
        return (a, (w - direction * a).length)
    }
}
