public import Numerics

/// One specular propagation path of the image-source model: the sequence of planes it bounces on
/// (antenna side first), its complex gain, and the image of every antenna through those reflections.
///
/// The unfolded length from antenna j to a receiver x is ‖x − images[j]‖. Whether the path exists at x
/// is decided by `trace` (every bounce must hit its plane within the plane's extent).
public struct PropagationPath: Sendable {
    /// Plane indices in bounce order, antenna side first; empty for the direct path.
    public let planeSequence: [Int]
    /// Product of the planes' reflection coefficients.
    public let gain: Complex<Double>
    /// Linear part L of the composed reflections (images = L·a + t).
    public let linear: Matrix3
    /// Image of each antenna after all reflections, scene frame.
    public let images: [Point3]
    /// Images after the first `i` reflections (`partialImages[i][j]`, i = 0 is the real antenna).
    @usableFromInline let partialImages: [[Point3]]

    /// Reflection order (number of bounces).
    public var order: Int { planeSequence.count }

    /// Whether the path reaches `x` from antenna `j`: each bounce, traced back from the receiver, must cross
    /// its plane inside its extent.
    @inlinable public func reaches(_ x: Point3, antenna j: Int, planes: [ReflectingPlane]) -> Bool {
        var from = x
        var i = planeSequence.count
        while i > 0 {
            let plane = planes[planeSequence[i - 1]]
            guard let r = plane.crossing(from: from, to: partialImages[i][j]) else { return false }
            from = r
            i -= 1
        }
        return true
    }

    /// `reaches(_:antenna:planes:)`, and no leg of the path crosses a face of one of `edges`.
    @inlinable public func reaches(
        _ x: Point3, antenna j: Int, planes: [ReflectingPlane], edges: [DiffractingEdge]
    ) -> Bool {
        if edges.isEmpty { return reaches(x, antenna: j, planes: planes) }
        var from = x
        var i = planeSequence.count
        while i > 0 {
            let plane = planes[planeSequence[i - 1]]
            guard let r = plane.crossing(from: from, to: partialImages[i][j]) else { return false }
            for e in edges where e.blocks(from: from, to: r) { return false }
            from = r
            i -= 1
        }
        let a = partialImages[0][j]
        for e in edges where e.blocks(from: from, to: a) { return false }
        return true
    }

    /// All paths of `scene` up to its maximum reflection order (no plane twice in a row).
    static func enumerate(in scene: Scene) -> [PropagationPath] {
        let antennas = scene.array.positions
        var result: [PropagationPath] = [
            PropagationPath(
                planeSequence: [], gain: Complex(1, 0), linear: .identity, images: antennas, partialImages: [antennas])
        ]
        var frontier = result
        let planes = scene.planes
        if planes.isEmpty { return result }
        for _ in 0..<scene.maxReflectionOrder {
            var next: [PropagationPath] = []
            for path in frontier {
                for (p, plane) in planes.enumerated() where path.planeSequence.last != p {
                    let images = path.images.map(plane.mirror)
                    next.append(
                        PropagationPath(
                            planeSequence: path.planeSequence + [p],
                            gain: path.gain * plane.reflection,
                            linear: plane.reflectionMatrix.multiplied(by: path.linear),
                            images: images,
                            partialImages: path.partialImages + [images]
                        ))
                }
            }
            result += next
            frontier = next
        }
        return result
    }
}
