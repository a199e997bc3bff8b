import CSIChannel
import CSINumerics
import Numerics

/// Estimates a `GainMap` for fixed path geometry: at every survey point the path gains are solved by
/// regularised least squares (pulled toward the global gains where paths are hard to separate), then
/// smoothed onto the grid with a Gaussian kernel of width `sigma`.
struct GainMapEstimator {
    let model: ImageSourceModel // normalised units (scale 1), constant gains
    let positions: [Point3]
    let channels: [Double]
    let width: Int
    /// Ridge weight relative to each path's own energy.
    var ridge = 0.02

    /// Local gains at every point: [point][path] complex.
    func localGains() -> [[Complex<Double>]] {
        let l = model.sources.count, stride = model.valuesPerChannel
        var out = [[Complex<Double>]](repeating: [], count: positions.count)
        out.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let o = buf
            Parallel.forEachChunk(count: positions.count, width: width, minChunk: 32) { range in
                var single = model
                var basis = [[Double]](repeating: [Double](repeating: 0, count: stride), count: l)
                for p in range {
                    let x = positions[p]
                    for s in 0..<l {
                        single.sources = [model.sources[s]]
                        single.sources[0].gain = Complex(1, 0)
                        single.sources[0].gainSlope = (.zero, .zero, .zero)
                        single.gainMap = nil
                        basis[s] = single.channels(at: [x])
                    }
                    // Real 2L system [[Gr, −Gi], [Gi, Gr]] [ar; ai] = [br; bi] with G = BᴴB + μ diag, b = Bᴴh + μ diag·g.
                    let n = 2 * l
                    var a = [Double](repeating: 0, count: n * n), rhs = [Double](repeating: 0, count: n)
                    for r in 0..<l {
                        for c in 0..<l {
                            var gr = 0.0, gi = 0.0
                            for t in Swift.stride(from: 0, to: stride, by: 2) {
                                let br = basis[r][t], bi = basis[r][t + 1], cr = basis[c][t], ci = basis[c][t + 1]
                                gr += br * cr + bi * ci; gi += br * ci - bi * cr
                            }
                            a[r * n + c] = gr; a[(r + l) * n + (c + l)] = gr
                            a[r * n + (c + l)] = -gi; a[(r + l) * n + c] = gi
                        }
                        var hr = 0.0, hi = 0.0
                        for t in Swift.stride(from: 0, to: stride, by: 2) {
                            let br = basis[r][t], bi = basis[r][t + 1], yr = channels[p * stride + t],
                                yi = channels[p * stride + t + 1]
                            hr += br * yr + bi * yi; hi += br * yi - bi * yr
                        }
                        let mu = ridge * a[r * n + r]
                        let g = model.sources[r].gain
                        a[r * n + r] += mu; a[(r + l) * n + (r + l)] += mu
                        rhs[r] = hr + mu * g.real; rhs[r + l] = hi + mu * g.imaginary
                    }
                    if let sol = Cholesky.solve(a, rhs, n: n) {
                        o[p] = (0..<l).map { Complex(sol[$0], sol[$0 + l]) }
                    } else {
                        o[p] = model.sources.map(\.gain)
                    }
                }
            }
        }
        return out
    }

    /// Per path, the straight-edged cells inside which its local gains are nearly constant (`GainSegmentation`);
    /// `orders`, when given, must have been built for `positions` (a fit builds them once: `FitContext.cutOrders`).
    func segmentations(
        local: [[Complex<Double>]], options: GainSegmentation.Options = .init(),
        orders: GainSegmentation.PointOrders? = nil
    ) -> [GainSegmentation] {
        let l = model.sources.count
        let xy = positions.map { ($0.x, $0.y) }
        var out = [GainSegmentation](repeating: GainSegmentation(), count: l)
        out.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let o = buf
            Parallel.forEachChunk(count: l, width: width, minChunk: 1) { range in
                for s in range {
                    o[s] = GainSegmentation.fit(xy: xy, values: local.map { $0[s] }, options: options, orders: orders)
                }
            }
        }
        return out
    }

    /// Kernel-smoothed gains on a grid over the survey footprint (flat surveys): Gaussian kernel of width `sigma`,
    /// nodes `spacing` apart (default `sigma`). With `segmentations`, a node averages only the points in its own
    /// cell of that path's partition (and, when none is within reach, the cell's mean), so a path's gain keeps
    /// its straight jumps (blockage edges) instead of being smoothed across them.
    func map(
        sigma: Double, spacing: Double? = nil, local: [[Complex<Double>]], segmentations: [GainSegmentation]? = nil
    ) -> GainMap {
        let l = model.sources.count
        let step = spacing ?? sigma
        let xs = positions.map(\.x), ys = positions.map(\.y)
        let x0 = xs.min()!, y0 = ys.min()!
        let nx = Int(((xs.max()! - x0) / step).rounded(.up)) + 1, ny = Int(((ys.max()! - y0) / step).rounded(.up)) + 1
        // Bucket points by σ-sized cells for the kernel sums (3σ reach).
        let bx = Int(((xs.max()! - x0) / sigma).rounded(.up)) + 1, by = Int(((ys.max()! - y0) / sigma).rounded(.up)) + 1
        var buckets = [[Int]](repeating: [], count: bx * by)
        for (p, x) in positions.enumerated() {
            let i = min(bx - 1, max(0, Int(((x.x - x0) / sigma).rounded()))),
                j = min(by - 1, max(0, Int(((x.y - y0) / sigma).rounded())))
            buckets[j * bx + i].append(p)
        }
        // Each point's cell per path, and each cell's mean gain (the fallback of nodes with no point of their cell nearby).
        let pointCell: [[Int]]? = segmentations.map { segs in
            segs.map { seg in positions.map { seg.cell(x: $0.x, y: $0.y) } }
        }
        var cellMean: [[Complex<Double>]] = []
        if let segs = segmentations, let pc = pointCell {
            cellMean = (0..<l).map { s in
                var sum = [Complex<Double>](repeating: .zero, count: segs[s].cellCount),
                    count = [Int](repeating: 0, count: segs[s].cellCount)
                for p in positions.indices { sum[pc[s][p]] = sum[pc[s][p]] + local[p][s]; count[pc[s][p]] += 1 }
                return (0..<segs[s].cellCount).map { c in
                    count[c] > 0 ? sum[c] * Complex(1 / Double(count[c]), 0) : model.sources[s].gain
                }
            }
        }
        var values = [Double](repeating: 0, count: l * nx * ny * 2)
        let reach = 3
        let (cellBuckets, means) = (buckets, cellMean)
        values.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let out = buf
            Parallel.forEachChunk(count: ny, width: width, minChunk: 1) { rows in
                var acc = [Complex<Double>](repeating: .zero, count: l), wsum = [Double](repeating: 0, count: l)
                var nodeCell = [Int](repeating: 0, count: l)
                for j in rows {
                    for i in 0..<nx {
                        let node = Point3(x0 + Double(i) * step, y0 + Double(j) * step, 0)
                        for s in 0..<l {
                            acc[s] = .zero; wsum[s] = 0; nodeCell[s] = segmentations?[s].cell(x: node.x, y: node.y) ?? 0
                        }
                        let ci = min(bx - 1, max(0, Int(((node.x - x0) / sigma).rounded()))),
                            cj = min(by - 1, max(0, Int(((node.y - y0) / sigma).rounded())))
                        for b in max(0, cj - reach)...min(by - 1, cj + reach) {
                            for a in max(0, ci - reach)...min(bx - 1, ci + reach) {
                                for p in cellBuckets[b * bx + a] {
                                    let dx = positions[p].x - node.x, dy = positions[p].y - node.y
                                    let w = Double.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma))
                                    for s in 0..<l where pointCell == nil || pointCell![s][p] == nodeCell[s] {
                                        wsum[s] += w
                                        acc[s] = acc[s] + local[p][s] * Complex(w, 0)
                                    }
                                }
                            }
                        }
                        for s in 0..<l {
                            let fallback = means.isEmpty ? model.sources[s].gain : means[s][nodeCell[s]]
                            let g = wsum[s] > 1e-9 ? acc[s] * Complex(1 / wsum[s], 0) : fallback
                            let k = 2 * ((s * ny + j) * nx + i)
                            out[k] = g.real; out[k + 1] = g.imaginary
                        }
                    }
                }
            }
        }
        return GainMap(originX: x0, originY: y0, spacing: step, nx: nx, ny: ny, paths: l, values: values)
    }
}
