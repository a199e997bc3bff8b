/// A straight line of the scene — a point on it and its unit direction —, e.g. the axis of a line array, about which
/// a search scans circles of candidate positions (`ChannelModel.evaluateSplit(onCircles:…)`).
public struct AxisLine: Sendable, Equatable {
    /// A point of the line (scene frame, metres).
    public let origin: Point3
    /// The line's unit direction.
    public let direction: Point3

    /// The line through `origin` along `direction` (normalised here); nil when `origin` is not finite or `direction`
    /// has no finite, non-zero length.
    public init?(origin: Point3, direction: Point3) {
        let length = direction.length
        guard length > 0, length.isFinite, origin.x.isFinite, origin.y.isFinite, origin.z.isFinite else {
            return nil
        }
        self.origin = origin
        self.direction = direction / length
    }

    /// The axial coordinate of `x` along the line (from `origin`) and its distance from the line.
    @inlinable public func cylindrical(_ x: Point3) -> (axial: Double, radial: Double) {
        let w = x - origin, a = w.dot(direction)
        return (a, (w - direction * a).length)
    }
}
