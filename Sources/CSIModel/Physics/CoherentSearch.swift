import CSIChannel
import CSINumerics
import Numerics

/// Refines a rough source position by the gain-free coherent matched filter |⟨b(c), R⟩|² / ‖b‖² over points
/// near the survey centre, where b(c) is the channel of a unit-gain source at c (docs/method.md §16.1b). It
/// resolves the elevation and range that angle–delay back-projection cannot, and tries the range aliases
/// ρ ± c/Δf because delays are only known modulo 1/Δf.
struct CoherentSearch {
    let frame: ArrayFrame
    let frequencies: [Double]
    let points: [Point3]
    let residuals: [[Double]]
    let width: Int
    /// Per-point unknowns of the residuals (an unsynchronised survey before any source is known): the score is
    /// then summed over points of each point's own matched filter, maximised over its timing offset when that
    /// is unknown too — range and elevation then come from the array and the band, not from phase across points.
    let perPoint: NuisanceModel
    /// e^{jω_kτ_m} on the per-point timing grid (empty unless `perPoint` has a timing offset).
    let timingTwiddles: [Double]

    init(
        frame: ArrayFrame, frequencies: [Double], points: [Point3], residuals: [[Double]], width: Int,
        perPoint: NuisanceModel = .none
    ) {
        self.frame = frame; self.frequencies = frequencies; self.points = points; self.residuals = residuals
        self.width = width; self.perPoint = perPoint
        timingTwiddles = Self.timingTwiddles(frequencies: frequencies, timing: perPoint == .phaseGainAndTiming)
    }

    /// Score of a unit-gain source at `c` with frame `f` (spherical wavefronts).
    func score(_ c: Point3, frame f: (Point3, Point3, Point3)) -> Double {
        if perPoint != .none { return incoherentScore(c, frame: f) }
        var cr = 0.0, ci = 0.0, energy = 0.0
        for (p, x) in points.enumerated() {
            let r = residuals[p]
            energy += forEachConjugateSteering(of: c, frame: f, at: x) { i, _, pr, pi in
                let rr = r[i], ri = r[i + 1]
                cr += pr * rr - pi * ri; ci += pr * ri + pi * rr
            }
        }
        return energy > 0 ? (cr * cr + ci * ci) / energy : 0
    }

    /// Calls `body(i, k, re, im)` with conj(b_jk) = e^{+j2πf_k d_j/c}/d_j, the conjugate channel of a unit-gain source
    /// at `c` (frame `f`) seen from `x`, for every element j and subcarrier k (i = 2(j·N_s + k), the interleaved
    /// index); the phasor is rotated across the uniformly spaced subcarriers. Returns ‖b‖² = Σ_j N_s/d_j².
    @inline(__always)
    func forEachConjugateSteering(
        of c: Point3, frame f: (Point3, Point3, Point3), at x: Point3,
        _ body: (_ i: Int, _ k: Int, _ re: Double, _ im: Double) -> Void
    ) -> Double {
        let ns = frequencies.count
        let twoPiOverC = 2 * Double.pi / speedOfLight
        var energy = 0.0
        for (j, o) in frame.offsets.enumerated() {
            let e = c + f.0 * o.x + f.1 * o.y + f.2 * o.z
            let d = (x - e).length
            let inv = 1 / d
            energy += Double(ns) * inv * inv
            let (s0, c0) = sinCos(twoPiOverC * frequencies[0] * d)
            let step = ns > 1 ? twoPiOverC * (frequencies[1] - frequencies[0]) * d : 0
            let (ss, sc) = sinCos(step)
            var pr = c0 * inv, pi = s0 * inv
            let base = 2 * j * ns
            for k in 0..<ns {
                body(base + 2 * k, k, pr, pi)
                let nr = pr * sc - pi * ss; pi = pr * ss + pi * sc; pr = nr
            }
        }
        return energy
    }

    /// Σ_points max_τ |Σ_k e^{jω_kτ} c_k|² / ‖b‖², c_k = Σ_j conj(b_jk) R_jk (τ fixed at 0 without timing):
    /// each point's own gain-, phase- (and timing-) free matched filter.
    func incoherentScore(_ c: Point3, frame f: (Point3, Point3, Point3)) -> Double {
        let ns = frequencies.count
        let twiddles = timingTwiddles
        let taus = twiddles.count / max(2 * ns, 1)
        var total = 0.0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * ns) { cb in
            let cRe = cb.baseAddress!, cIm = cb.baseAddress! + ns
            for (p, x) in points.enumerated() {
                let r = residuals[p]
                for k in 0..<ns { cRe[k] = 0; cIm[k] = 0 }
                let energy = forEachConjugateSteering(of: c, frame: f, at: x) { i, k, pr, pi in
                    let rr = r[i], ri = r[i + 1]
                    cRe[k] += pr * rr - pi * ri; cIm[k] += pr * ri + pi * rr
                }
                guard energy > 0 else { continue }
                var best = 0.0
                if taus == 0 {
                    var sr = 0.0, si = 0.0
                    for k in 0..<ns { sr += cRe[k]; si += cIm[k] }
                    best = sr * sr + si * si
                } else {
                    for m in 0..<taus {
                        var sr = 0.0, si = 0.0
                        let w = m * 2 * ns
                        for k in 0..<ns {
                            let cs = twiddles[w + 2 * k], sn = twiddles[w + 2 * k + 1]
                            sr += cs * cRe[k] - sn * cIm[k]; si += cs * cIm[k] + sn * cRe[k]
                        }
                        best = max(best, sr * sr + si * si)
                    }
                }
                total += best / energy
            }
        }
        return total
    }

    /// e^{jω_kτ_m} (interleaved, m-major) on 2N_s delays over one period of the subcarrier spacing, when the
    /// timing offset is a per-point unknown (uniform spacing assumed, as by the range aliases); else empty.
    static func timingTwiddles(frequencies: [Double], timing: Bool) -> [Double] {
        let ns = frequencies.count
        guard timing, ns > 1, let lo = frequencies.min(), let hi = frequencies.max(), hi > lo else { return [] }
        let period = Double(ns - 1) / (hi - lo)
        let taus = 2 * ns
        var out = [Double](repeating: 0, count: taus * 2 * ns)
        for m in 0..<taus {
            let tau = Double(m) / Double(taus) * period
            for k in 0..<ns {
                let (sn, cs) = sinCos(2 * Double.pi * (frequencies[k] - frequencies[0]) * tau)
                out[m * 2 * ns + 2 * k] = cs; out[m * 2 * ns + 2 * k + 1] = sn
            }
        }
        return out
    }

    /// Best position over a spherical grid (azimuth, elevation, range) around `start` as seen from `origin`.
    /// `angularHalfWidth` (rad) and `rangeHalfWidth` (m) should cover the back-projection's uncertainty: about
    /// the array's beamwidth λ/aperture and half the delay resolution c/B.
    ///
    /// `coneAxis` (linear arrays: the candidate frame's array axis): a line array measures only the angle to its
    /// axis, so back-projection leaves the source anywhere on a cone around it; a small survey far away cannot
    /// triangulate the roll angle about the axis. The coarse stage then also sweeps that roll over the whole
    /// circle (at the back-projection's cone angle ± 0.06 rad and its ranges).
    func refine(
        start: Point3, frame f: (Point3, Point3, Point3), origin: Point3, uniformSpacing: Double?,
        minimumZ: Double?, angularHalfWidth: Double = 0.12, rangeHalfWidth: Double = 1.5,
        coneAxis: Point3? = nil
    ) -> (position: Point3, score: Double) {
        let v = start - origin
        let rho0 = v.length
        let az0 = Double.atan2(y: v.y, x: v.x)
        let el0 = Double.asin(max(-1, min(1, v.z / rho0)))
        var ranges: [Double] = []
        for n in [-1.0, 0, 1] {
            let alias = (uniformSpacing ?? 0) > 0 ? n * speedOfLight / uniformSpacing! : 0
            if n != 0 && alias == 0 { continue }
            let steps = max(1, Int((rangeHalfWidth / 0.25).rounded()))
            for i in -steps...steps {
                let r = rho0 + alias + Double(i) * 0.25
                if r > 0.5 { ranges.append(r) }
            }
        }
        func candidates(az: Double, el: Double, halfWidth: Double, step: Double, ranges: [Double]) -> [Point3] {
            var out: [Point3] = []
            let n = Int((halfWidth / step).rounded())
            for i in -n...n {
                for j in -n...n {
                    for r in ranges {
                        let a = az + Double(i) * step, e = el + Double(j) * step
                        let p =
                            origin + Point3(Double.cos(e) * Double.cos(a), Double.cos(e) * Double.sin(a), Double.sin(e))
                            * r
                        if let zmin = minimumZ, p.z < zmin { continue }
                        out.append(p)
                    }
                }
            }
            return out
        }
        func best(_ list: [Point3]) -> (Point3, Double) {
            var scores = [Double](repeating: -1, count: list.count)
            scores.withUnsafeMutableBufferPointer { buf in
                nonisolated(unsafe) let s = buf
                Parallel.forEachChunk(count: list.count, width: width, minChunk: 8) { range in
                    for i in range { s[i] = score(list[i], frame: f) }
                }
            }
            let i = scores.indices.max { scores[$0] < scores[$1] } ?? 0
            return list.isEmpty ? (start, 0) : (list[i], scores[i])
        }
        func cone(axis: Point3) -> [Point3] {
            let a = axis / axis.length
            let u0 = v / max(rho0, 1e-12)
            let theta0 = Double.acos(max(-1, min(1, u0.dot(a))))
            // Roll basis perpendicular to the axis (any, if the start lies on the axis).
            var b = u0 - a * u0.dot(a)
            if b.length < 1e-9 { b = abs(a.x) < 0.9 ? Point3(1, 0, 0) - a * a.x : Point3(0, 1, 0) - a * a.y }
            b = b / b.length
            let c = a.cross(b)
            let rolls = Int((2 * Double.pi / 0.05).rounded())
            var out: [Point3] = []
            for t in -2...2 {
                let theta = theta0 + Double(t) * 0.03
                guard theta > 0, theta < .pi else { continue }
                for k in 0..<rolls {
                    let phi = Double(k) * 2 * Double.pi / Double(rolls)
                    let dir = a * Double.cos(theta) + (b * Double.cos(phi) + c * Double.sin(phi)) * Double.sin(theta)
                    for r in ranges {
                        let p = origin + dir * r
                        if let zmin = minimumZ, p.z < zmin { continue }
                        out.append(p)
                    }
                }
            }
            return out
        }
        // Coarse (0.03 rad, 0.25 m) over the given widths (and the cone of a line array), then fine (0.01 rad,
        // 0.1 m) around the best.
        let coarse =
            candidates(az: az0, el: el0, halfWidth: angularHalfWidth, step: 0.03, ranges: ranges)
            + (coneAxis.map(cone) ?? [])
        let (c1, _) = best(coarse)
        let w = c1 - origin
        let rho1 = w.length
        let az1 = Double.atan2(y: w.y, x: w.x), el1 = Double.asin(max(-1, min(1, w.z / rho1)))
        let fineRanges = (-3...3).map { rho1 + Double($0) * 0.1 }.filter { $0 > 0.5 }
        return best(candidates(az: az1, el: el1, halfWidth: 0.03, step: 0.01, ranges: fineRanges))
    }
}
