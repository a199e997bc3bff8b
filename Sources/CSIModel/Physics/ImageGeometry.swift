import CSIChannel

/// Predicts further image sources from the ones already fitted (docs/method.md §16.1b: "build the candidate grid
/// from the survey geometry — first- and second-order images of the base station across plausible walls").
///
/// A fitted source that is a single reflection of the array reveals its reflector: the perpendicular
/// bisector of the array centre and the image centre, provided the image frame is the physical frame
/// mirrored through that plane (checked on the axes along which the elements are spread — a second-order
/// image, whose frame is a rotation, reveals no plane). Reflecting the array and every fitted source
/// through every revealed plane predicts the images of the next order exactly, where back-projection with a
/// small array blurs weak paths together. Predictions are only candidates: the fitter scores them on the
/// residual and keeps a path only when it improves validation NMSE.
struct ImageGeometry {
    /// A reflecting plane: a point on it and its unit normal.
    struct Plane {
        var point: Point3
        var normal: Point3

        /// Signed distance of `p` from the plane.
        func side(_ p: Point3) -> Double { (p - point).dot(normal) }
        func reflect(_ p: Point3) -> Point3 { p - normal * (2 * side(p)) }
        func reflectDirection(_ v: Point3) -> Point3 { v - normal * (2 * v.dot(normal)) }
        func reflect(_ f: (Point3, Point3, Point3)) -> (Point3, Point3, Point3) {
            (reflectDirection(f.0), reflectDirection(f.1), reflectDirection(f.2))
        }
    }

    let array: ArrayFrame
    /// The survey height when the survey is flat: sources mirrored through it are indistinguishable, so both
    /// readings of every fitted source are considered.
    let surveyHeight: Double?
    /// A point inside the surveyed area; a reflector is only used for sources on the same side as the survey.
    let surveyCentre: Point3
    /// Frame axes compared when deciding whether a source is a single reflection (cosine).
    static let frameTolerance = 0.98
    /// Sources closer than this (m) to the array centre are direct paths and reveal no plane.
    static let minimumImageDistance = 0.2

    /// The readings of a fitted source: itself, and its mirror through a flat survey's plane.
    func readings(_ s: ImageSource) -> [ImageSource] {
        guard let z0 = surveyHeight, abs(s.center.z - z0) > 1e-9 else { return [s] }
        return [s, ImageSourceFitter.mirrored(s, z0: z0)]
    }

    /// Reflectors revealed by single-reflection sources among `sources`.
    func planes(from sources: [ImageSource]) -> [Plane] {
        let dims = array.dimensionality
        var out: [Plane] = []
        for r in sources.flatMap(readings) {
            let v = r.center - array.center
            let distance = v.length
            guard distance > Self.minimumImageDistance else { continue }
            let plane = Plane(point: (r.center + array.center) / 2, normal: v / distance)
            let mirrored = plane.reflect(array.axes)
            let fitted = [r.e1, r.e2, r.e3], expected = [mirrored.0, mirrored.1, mirrored.2]
            guard (0..<dims).allSatisfy({ fitted[$0].dot(expected[$0]) >= Self.frameTolerance }) else { continue }
            guard plane.side(array.center) * plane.side(surveyCentre) > 0 else { continue }
            if !out.contains(where: { $0.normal.dot(plane.normal) > 0.999 && abs($0.side(plane.point)) < 0.05 }) {
                out.append(plane)
            }
        }
        return out
    }

    /// Images of the array and of every fitted source through every revealed plane, excluding those that
    /// coincide (within `separation` metres) with a fitted source, the array, or each other. For a flat
    /// survey predictions are kept above its plane, as the fitter keeps its sources. Gains are zero (the
    /// fitter solves them).
    func predictions(from sources: [ImageSource], separation: Double = 0.25) -> [ImageSource] {
        let planes = planes(from: sources)
        guard !planes.isEmpty else { return [] }
        let parents = [ImageSource(center: array.center, frame: array.axes)] + sources.flatMap(readings)
        var taken = parents.map(\.center)
        var out: [ImageSource] = []
        for plane in planes {
            for parent in parents where plane.side(parent.center) * plane.side(surveyCentre) > 0 {
                var p = ImageSource(
                    center: plane.reflect(parent.center), frame: plane.reflect((parent.e1, parent.e2, parent.e3)))
                if let z0 = surveyHeight { p = ImageSourceFitter.mirrorAbove(p, z0: z0) }
                guard !taken.contains(where: { ($0 - p.center).length < separation }) else { continue }
                taken.append(p.center)
                out.append(p)
            }
        }
        return out
    }
}
