import CSIChannel
import CSINumerics
import Foundation

/// The circle geometry of one frame's span stage: the axis, the pick's axial position and radius, and the plane of
/// its circle (e1 towards the pick, so the pick is at angle 0).
struct SpanFrame {
    let origin: Point3, axis: Point3, e1: Point3, e2: Point3
    let a0: Double, r0: Double
    /// The axis as the models take it (`origin`, `axis`); nil only when they are not finite.
    var line: AxisLine? { AxisLine(origin: origin, direction: axis) }

    /// The point at axial offset `da`, radial offset `dr` and angle `phi` from the pick.
    func point(_ da: Double, _ dr: Double, _ phi: Double) -> Point3 {
        let (sn, cs) = sinCos(phi)
        return origin + axis * (a0 + da) + (e1 * cs + e2 * sn) * (r0 + dr)
    }

    /// The `count` (1 … 8) points at axial offset `da` and radial offset `dr` evenly from angle `lo` to `hi`
    /// (lo + i·(hi − lo)/(count − 1); the middle for one) into `out`, their sines and cosines four at a time
    /// (`VectorMath.sinCos`).
    func points(
        _ da: Double, _ dr: Double, from lo: Double, to hi: Double, count: Int, into out: UnsafeMutablePointer<Point3>
    ) {
        precondition((1...8).contains(count), "1 … 8 points per circle")
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 24) { buffer in
            let angles = buffer.baseAddress!, sines = angles + 8, cosines = angles + 16
            for i in 0..<count {
                let t = count == 1 ? 0.5 : Double(i) / Double(count - 1)
                angles[i] = lo + t * (hi - lo)
            }
            VectorMath.sinCos(angles, sin: sines, cos: cosines, count: count)
            let centre = origin + axis * (a0 + da), radius = r0 + dr
            for i in 0..<count { out[i] = centre + (e1 * cosines[i] + e2 * sines[i]) * radius }
        }
    }

    /// The angles (radians, in (−π, π]) of the arc of the circle at offsets (`da`, `dr`) inside the box `region`:
    /// the connected arc that contains angle 0 (the pick's side), else the one whose end is nearest it; nil when
    /// the circle misses the box. Closed form: each coordinate is A + M·cos(φ − ψ) along the circle. No allocation
    /// (the span stage asks for ≈ 10³ arcs per frame): the intervals live in a fixed buffer — intersecting k sorted
    /// disjoint intervals with ≤ 4 leaves ≤ k + 3, so three coordinates leave at most 10 (room for 30, so even
    /// intervals touching at single points fit).
    func arc(_ da: Double, _ dr: Double, in region: SearchRegion) -> (lo: Double, hi: Double)? {
        let r = r0 + dr
        guard r > 0, r.isFinite else { return nil }
        return withUnsafeTemporaryAllocation(of: (Double, Double).self, capacity: 64) { buffer in
            let allowed = buffer.baseAddress!, next = allowed + 30, parts = allowed + 60
            var count = 1
            allowed[0] = (-Double.pi, Double.pi)
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
                var partCount = 0
                func add(_ u: Double, _ v: Double) {
                    let w = Self.wrapped(u, v)
                    parts[partCount] = w.first; partCount += 1
                    if let second = w.second { parts[partCount] = second; partCount += 1 }
                }
                if a1 == 0 {
                    add(psi - a2, psi + a2)
                } else {
                    add(psi + a1, psi + a2); add(psi - a2, psi - a1)
                }
                var nextCount = 0
                for i in 0..<count {
                    let x = allowed[i]
                    for k in 0..<partCount {
                        let y = parts[k]
                        let l = Swift.max(x.0, y.0), h = Swift.min(x.1, y.1)
                        if l <= h && nextCount < 30 { next[nextCount] = (l, h); nextCount += 1 }
                    }
                }
                for i in 0..<nextCount { allowed[i] = next[i] }
                count = nextCount
                if count == 0 { return nil }
            }
            // Pieces split at ±π belong together.
            var first = -1, last = -1
            for i in 0..<count {
                if first < 0 && allowed[i].0 <= -Double.pi + 1e-12 { first = i }
                if last < 0 && allowed[i].1 >= Double.pi - 1e-12 { last = i }
            }
            if first >= 0 && last >= 0 && first != last {
                let joined = (allowed[last].0 - 2 * Double.pi, allowed[first].1)
                var kept = 0
                for i in 0..<count where i != first && i != last { allowed[kept] = allowed[i]; kept += 1 }
                allowed[kept] = joined
                count = kept + 1
            }
            var best = allowed[0], bestDistance = Double.infinity
            for i in 0..<count {
                let x = allowed[i]
                let d = x.0 <= 0 && 0 <= x.1 ? 0 : Swift.min(abs(x.0), abs(x.1))
                if d < bestDistance { bestDistance = d; best = x }
            }
            return (best.0, best.1)
        }
    }

    /// [u, v] (v − u ≤ 2π) as one or two intervals within [−π, π].
    static func wrapped(_ u: Double, _ v: Double) -> (first: (Double, Double), second: (Double, Double)?) {
        var u = u, v = v
        while u > Double.pi { u -= 2 * Double.pi; v -= 2 * Double.pi }
        while u < -Double.pi { u += 2 * Double.pi; v += 2 * Double.pi }
        if v <= Double.pi { return ((u, v), nil) }
        return ((u, Double.pi), (-Double.pi, v - 2 * Double.pi))
    }
}
