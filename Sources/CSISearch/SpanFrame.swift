import CSIChannel
import CSINumerics
import Foundation

/// The circle geometry of one frame's span stage: the axis, the pick's axial position and radius, and the plane of
/// its circle (e1 towards the pick, so the pick is at angle 0).
struct SpanFrame {
    let origin: Point3, axis: Point3, e1: Point3, e2: Point3
    let a0: Double, r0: Double

    /// The point at axial offset `da`, radial offset `dr` and angle `phi` from the pick.
    func point(_ da: Double, _ dr: Double, _ phi: Double) -> Point3 {
        let (sn, cs) = sinCos(phi)
        return origin + axis * (a0 + da) + (e1 * cs + e2 * sn) * (r0 + dr)
    }

    /// The angles (radians, in (−π, π]) of the arc of the circle at offsets (`da`, `dr`) inside the box `region`:
    /// the connected arc that contains angle 0 (the pick's side), else the one whose end is nearest it; nil when
    /// the circle misses the box. Closed form: each coordinate is A + M·cos(φ − ψ) along the circle.
    func arc(_ da: Double, _ dr: Double, in region: SearchRegion) -> (lo: Double, hi: Double)? {
        let r = r0 + dr
        guard r > 0, r.isFinite else { return nil }
        var allowed: [(Double, Double)] = [(-Double.pi, Double.pi)]
        let centre = origin + axis * (a0 + da)
        for c in 0..<3 {
            let a = centre[c], p = r * e1[c], q = r * e2[c]
            let m = (p * p + q * q).squareRoot()
            let lo = region.lower[c], hi = region.upper[c]
            if m <= 1e-12 * r {
                if a < lo || a > hi { return nil }
                continue
            }
            let cmin = (lo - a) / m, cmax = (hi - a) / m
            if cmin > 1 || cmax < -1 { return nil }
            // cos θ ≤ cmax ⇔ |θ| ≥ α1; cos θ ≥ cmin ⇔ |θ| ≤ α2 (θ = φ − ψ)
            let a1 = cmax < 1 ? Foundation.acos(Swift.max(-1, cmax)) : 0
            let a2 = cmin > -1 ? Foundation.acos(Swift.min(1, cmin)) : Double.pi
            if a1 > a2 { return nil }
            let psi = Foundation.atan2(q, p)
            var parts: [(Double, Double)] = []
            let pieces = a1 == 0 ? [(-a2, a2)] : [(a1, a2), (-a2, -a1)]
            for (u, v) in pieces { parts += Self.wrapped(psi + u, psi + v) }
            var next: [(Double, Double)] = []
            for x in allowed {
                for y in parts {
                    let l = Swift.max(x.0, y.0), h = Swift.min(x.1, y.1)
                    if l <= h { next.append((l, h)) }
                }
            }
            allowed = next
            if allowed.isEmpty { return nil }
        }
        // Pieces split at ±π belong together.
        if let first = allowed.firstIndex(where: { $0.0 <= -Double.pi + 1e-12 }),
            let last = allowed.firstIndex(where: { $0.1 >= Double.pi - 1e-12 }), first != last
        {
            let joined = (allowed[last].0 - 2 * Double.pi, allowed[first].1)
            allowed = allowed.enumerated().filter { $0.offset != first && $0.offset != last }.map(\.element)
            allowed.append(joined)
        }
        var best = allowed[0], bestDistance = Double.infinity
        for x in allowed {
            let d = x.0 <= 0 && 0 <= x.1 ? 0 : Swift.min(abs(x.0), abs(x.1))
            if d < bestDistance { bestDistance = d; best = x }
        }
        return (best.0, best.1)
    }

    /// [u, v] (v − u ≤ 2π) as intervals within [−π, π].
    static func wrapped(_ u: Double, _ v: Double) -> [(Double, Double)] {
        var u = u, v = v
        while u > Double.pi { u -= 2 * Double.pi; v -= 2 * Double.pi }
        while u < -Double.pi { u += 2 * Double.pi; v += 2 * Double.pi }
        if v <= Double.pi { return [(u, v)] }
        return [(u, Double.pi), (-Double.pi, v - 2 * Double.pi)]
    }
}
