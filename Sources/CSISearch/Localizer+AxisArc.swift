import CSIChannel
import CSINumerics

/// The axis of a linear (collinear) antenna array.
///
/// A linear array measures a transmitter's range and its angle to the array axis, not where it lies on the
/// circle around the axis: every point of that circle gives the direct path — and every path reflected by a
/// plane parallel to the axis — the same length to every antenna. Only the other paths (e.g. the ground
/// reflection under a horizontal array) tell the points of the circle apart, so in a 3-D search the
/// phase-sensitive cost is a ripple along the circle, with minima far outside a local grid (docs/localization.md,
/// "UEs at any height").
struct ArrayAxis: Sendable, Equatable {
    /// A point of the axis (the antennas' centroid) and its unit direction.
    let origin: Point3
    let direction: Point3

    /// The axis of `antennas` if they are collinear within `tolerance` metres; nil for a single antenna or an
    /// array that spans a plane or a volume.
    init?(antennas: [Point3], tolerance: Double) {
        guard antennas.count >= 2 else { return nil }
        let centroid = antennas.reduce(Point3.zero, +) / Double(antennas.count)
        guard let far = antennas.max(by: { ($0 - centroid).length < ($1 - centroid).length }),
            (far - centroid).length > tolerance
        else { return nil }
        let u = (far - centroid).normalized
        for a in antennas {
            let w = a - centroid
            guard (w - u * w.dot(u)).length <= tolerance else { return nil }
        }
        origin = centroid
        direction = u
    }

    /// Points of the circle about the axis through `point`, `spacing` metres apart along the arc, walking away from
    /// `point` in both directions while `keep` accepts them, at most `limit` of them (nearest first, alternating
    /// sides). Empty when `point` is within `spacing` of the axis.
    func arc(through point: Point3, spacing: Double, limit: Int, keep: (Point3) -> Bool) -> [Point3] {
        let w = point - origin
        let axial = w.dot(direction)
        let radial = w - direction * axial
        let r = radial.length
        guard r > spacing, spacing > 0, limit > 0 else { return [] }
        let e1 = radial / r, e2 = direction.cross(e1)
        let step = spacing / r
        let centre = origin + direction * axial
        // (bounded by `limit` before the conversion: a point far from the axis must not overflow it)
        let maxSteps = Int(min((Double.pi / step).rounded(.down), Double(limit)))
        var out: [Point3] = []
        var open = (plus: true, minus: true)
        var k = 1
        while out.count < limit && (open.plus || open.minus) && k <= maxSteps {
            for sign in [1.0, -1.0] where out.count < limit {
                guard sign > 0 ? open.plus : open.minus else { continue }
                let (s, c) = sinCos(sign * Double(k) * step)
                let p = centre + e1 * (r * c) + e2 * (r * s)
                if keep(p) { out.append(p) } else if sign > 0 { open.plus = false } else { open.minus = false }
            }
            k += 1
        }
        return out
    }
}

extension Localizer {
    /// The arc stage (3-D searches with a linear array): phase-sensitive costs along the circle about the array
    /// axis through `center` (whose cost is `centerCost`), inside the search region. Returns up to
    /// `arcCandidatesToRefine` distinct best points (≥ λ₀/4 apart, `center` included) and the count scored.
    func arcStage(
        around center: Point3, centerCost: Double, _ s: inout LocalizerScratch
    )
        -> (picks: [(position: Point3, cost: Double)], scored: Int)
    {
        guard let axis = arrayAxis else { return ([(center, centerCost)], 0) }
        let points = axis.arc(
            through: center, spacing: configuration.arcSpacingWavelengths * wavelength,
            limit: arcLimit
        ) { region.contains($0, margin: wavelength / 2) }
        for (i, p) in points.enumerated() { s.candidates[i] = p }
        scoreCandidates(count: points.count, &s)
        s.candidates[points.count] = center; s.costs[points.count] = centerCost
        return (distinctBest(count: points.count + 1, want: configuration.arcCandidatesToRefine, &s), points.count)
    }
}
