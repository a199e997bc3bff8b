import CSIChannel
import CSINumerics

/// Finds where a new image source is, blind, from the residual channels of a set of survey points
/// (docs/method.md §16.1 step 2): each point's angle–delay power map |Σ_jk R_jk e^{−jk₀(t_j μ₁ + s_j μ₂)} e^{+j2π(f_k−f₀)τ}|²
/// is computed once; every candidate position on a 3-D grid is scored by summing, over points, the power
/// at the candidate's direction cosines and (wrapped) delay. Direction and delay do not depend on the
/// carrier phase, so this works from any start. The image array's orientation is unknown: each candidate
/// is scored with the physical frame and with the frame mirrored through the plane that would create it.
struct BackProjection {
    let frame: ArrayFrame
    let frequencies: [Double]
    let carrier: Double
    let points: [Point3]
    /// Per point: normalised power maps [m1][m2][n] flattened.
    let maps: [[Float]]
    let mu1Count: Int, mu2Count: Int
    /// Delay cells per map; 1 when the delays are unknown (each map summed over delay: directions only).
    let tauCount: Int
    let period: Double
    let planar: Bool

    /// - Parameter delayKnown: false when every point's timing offset is unknown (an unsynchronised survey before
    ///   any source is known): the maps are then summed over delay and candidates are scored by direction
    ///   alone, which the survey's spread of viewpoints triangulates.
    init(
        frame: ArrayFrame, frequencies: [Double], carrier: Double, points: [Point3], residuals: [[Double]],
        delayKnown: Bool = true, width: Int
    ) {
        self.frame = frame; self.frequencies = frequencies; self.carrier = carrier; self.points = points
        let na = frame.offsets.count, ns = frequencies.count
        planar = frame.dimensionality >= 2
        mu1Count = max(16, 4 * Self.extent(frame.offsets.map(\.x), carrier))
        mu2Count = planar ? max(16, 4 * Self.extent(frame.offsets.map(\.y), carrier)) : 1
        let df = ns > 1 ? (frequencies.max()! - frequencies.min()!) / Double(ns - 1) : 1e6
        period = 1 / df
        let nt = max(16, 4 * ns)
        tauCount = delayKnown ? nt : 1
        let k0 = 2 * Double.pi * carrier / speedOfLight
        let f0 = carrier
        let m1 = mu1Count, m2 = mu2Count, period = self.period
        // Steering tables.
        var aRe = [Double](repeating: 0, count: m1 * m2 * na), aIm = aRe
        for a in 0..<m1 {
            for b in 0..<m2 {
                let mu1 = Self.grid(a, m1), mu2 = planar ? Self.grid(b, m2) : 0
                for j in 0..<na {
                    let ph = -k0 * (frame.offsets[j].x * mu1 + frame.offsets[j].y * mu2)
                    let (s, c) = sinCos(ph)
                    aRe[(a * m2 + b) * na + j] = c; aIm[(a * m2 + b) * na + j] = s
                }
            }
        }
        var fRe = [Double](repeating: 0, count: nt * ns), fIm = fRe
        for n in 0..<nt {
            let tau = Double(n) / Double(nt) * period
            for k in 0..<ns {
                let (s, c) = sinCos(2 * Double.pi * (frequencies[k] - f0) * tau)
                fRe[n * ns + k] = c; fIm[n * ns + k] = s
            }
        }
        var out = [[Float]](repeating: [], count: points.count)
        let (aRe_, aIm_, fRe_, fIm_) = (aRe, aIm, fRe, fIm)
        out.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let o = buf
            Parallel.forEachChunk(count: points.count, width: width, minChunk: 4) { range in
                var gRe = [Double](repeating: 0, count: na * nt), gIm = gRe
                for p in range {
                    let r = residuals[p]
                    // G_j(n) = Σ_k R_jk F(n,k)
                    for j in 0..<na {
                        for n in 0..<nt {
                            var sr = 0.0, si = 0.0
                            for k in 0..<ns {
                                let rr = r[2 * (j * ns + k)], ri = r[2 * (j * ns + k) + 1]
                                let fr = fRe_[n * ns + k], fi = fIm_[n * ns + k]
                                sr += rr * fr - ri * fi; si += rr * fi + ri * fr
                            }
                            gRe[j * nt + n] = sr; gIm[j * nt + n] = si
                        }
                    }
                    var map = [Float](repeating: 0, count: m1 * m2 * nt)
                    var total = 0.0
                    for ab in 0..<(m1 * m2) {
                        for n in 0..<nt {
                            var sr = 0.0, si = 0.0
                            for j in 0..<na {
                                let ar = aRe_[ab * na + j], ai = aIm_[ab * na + j]
                                let gr = gRe[j * nt + n], gi = gIm[j * nt + n]
                                sr += ar * gr - ai * gi; si += ar * gi + ai * gr
                            }
                            let pw = sr * sr + si * si
                            map[ab * nt + n] = Float(pw); total += pw
                        }
                    }
                    if total > 0 { let inv = Float(1 / total); for i in map.indices { map[i] *= inv } }
                    if !delayKnown {
                        var marginal = [Float](repeating: 0, count: m1 * m2)
                        for ab in 0..<(m1 * m2) { for n in 0..<nt { marginal[ab] += map[ab * nt + n] } }
                        map = marginal
                    }
                    o[p] = map
                }
            }
        }
        maps = out
    }

    static func extent(_ v: [Double], _ carrier: Double) -> Int {
        let span = (v.max() ?? 0) - (v.min() ?? 0)
        return Int((span / (speedOfLight / carrier / 2)).rounded()) + 1
    }

    /// Direction-cosine grid value of cell `i` of `n` over [−1, 1].
    static func grid(_ i: Int, _ n: Int) -> Double { -1 + 2 * (Double(i) + 0.5) / Double(n) }

    /// Score of a source at `s` with frame axes (a1, a2): Σ_points map(μ₁, μ₂, τ).
    func score(_ s: Point3, axes a1: Point3, _ a2: Point3) -> Double {
        var total = 0.0
        for (p, x) in points.enumerated() {
            let w = x - s
            let d = w.length
            let u = w / d
            var tau = (d / speedOfLight).truncatingRemainder(dividingBy: period)
            if tau < 0 { tau += period }
            let n = tauCount == 1 ? 0 : Int((tau / period * Double(tauCount)).rounded()) % tauCount
            let i1 = Self.cell(u.dot(a1), mu1Count)
            let i2 = planar ? Self.cell(u.dot(a2), mu2Count) : 0
            total += Double(maps[p][(i1 * mu2Count + i2) * tauCount + n])
        }
        return total
    }

    static func cell(_ mu: Double, _ n: Int) -> Int {
        min(n - 1, max(0, Int(((mu + 1) / 2 * Double(n)).rounded(.down))))
    }

    /// Candidate frames for a source at `s`: the physical frame, and the physical frame mirrored through the
    /// perpendicular bisector of the array centre and `s` (a first-order image).
    func hypotheses(for s: Point3) -> [(Point3, Point3, Point3)] {
        let f = frame.axes
        var out = [f]
        let n = (s - frame.center)
        if n.length > 1e-6 {
            let u = n / n.length
            func mirror(_ v: Point3) -> Point3 { v - u * (2 * v.dot(u)) }
            out.append((mirror(f.0), mirror(f.1), mirror(f.2)))
        }
        return out
    }

    /// The `count` best-scoring distinct positions (with frames) over a regular grid in `box`, each refined
    /// twice around its cell, best first.
    func search(
        box: (lower: Point3, upper: Point3), coarseStep: Double, count: Int, width: Int
    ) -> [(position: Point3, frame: (Point3, Point3, Point3), score: Double)] {
        func scan(_ lower: Point3, _ upper: Point3, _ step: Double) -> [(Point3, Int, Double)] {
            let nx = max(1, Int(((upper.x - lower.x) / step).rounded(.down)) + 1)
            let ny = max(1, Int(((upper.y - lower.y) / step).rounded(.down)) + 1)
            let nz = max(1, Int(((upper.z - lower.z) / step).rounded(.down)) + 1)
            let total = nx * ny * nz
            let tasks = max(1, width) * 8
            var best = [(Point3, Int, Double)](repeating: (.zero, 0, -1), count: tasks * 32)
            best.withUnsafeMutableBufferPointer { buf in
                nonisolated(unsafe) let b = buf
                Parallel.forEachChunk(count: tasks, width: width, minChunk: 1) { range in
                    for task in range {
                        var local: [(Point3, Int, Double)] = []
                        var i = task
                        while i < total {
                            let ix = i % nx, iy = (i / nx) % ny, iz = i / (nx * ny)
                            let s = lower + Point3(Double(ix), Double(iy), Double(iz)) * step
                            for (h, f) in hypotheses(for: s).enumerated() {
                                let sc = score(s, axes: f.0, f.1)
                                local.append((s, h, sc))
                            }
                            if local.count > 256 { local.sort { $0.2 > $1.2 }; local.removeLast(local.count - 32) }
                            i += tasks
                        }
                        local.sort { $0.2 > $1.2 }
                        for k in 0..<min(32, local.count) { b[task * 32 + k] = local[k] }
                    }
                }
            }
            return best.filter { $0.2 >= 0 }.sorted { $0.2 > $1.2 }
        }
        // Distinct coarse peaks (at least 3 coarse cells apart), each refined twice.
        var peaks: [(Point3, Int, Double)] = []
        for c in scan(box.lower, box.upper, coarseStep) where peaks.count < count {
            if peaks.allSatisfy({ ($0.0 - c.0).length > 3 * coarseStep }) { peaks.append(c) }
        }
        var results: [(position: Point3, frame: (Point3, Point3, Point3), score: Double)] = []
        for peak in peaks {
            var current = peak
            var step = coarseStep
            for _ in 0..<2 {
                let fine = step / 5
                let half = Point3(repeating: step)
                current = scan(current.0 - half, current.0 + half, fine).first ?? current
                step = fine
            }
            let frames = hypotheses(for: current.0)
            results.append((current.0, frames[min(current.1, frames.count - 1)], current.2))
        }
        return results.sorted { $0.score > $1.score }
    }
}
