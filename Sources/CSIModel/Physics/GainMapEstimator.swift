import CSIChannel
import CSINumerics
import Numerics

/// Estimates a `GainMap` for fixed path geometry: at every survey point the path gains are solved by
/// regularised least squares (pulled toward the global gains where paths are hard to separate), then
/// smoothed onto the grid with a Gaussian kernel of width `sigma`.
struct GainMapEstimator {
    let model: ImageSourceModel   // normalised units (scale 1), constant gains
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
                            let br = basis[r][t], bi = basis[r][t + 1], yr = channels[p * stride + t], yi = channels[p * stride + t + 1]
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

    /// Kernel-smoothed gains on a grid of step `sigma` over the survey footprint (flat surveys).
    func map(sigma: Double, local: [[Complex<Double>]]) -> GainMap {
        let l = model.sources.count
        let xs = positions.map(\.x), ys = positions.map(\.y)
        let x0 = xs.min()!, y0 = ys.min()!
        let nx = Int(((xs.max()! - x0) / sigma).rounded(.up)) + 1, ny = Int(((ys.max()! - y0) / sigma).rounded(.up)) + 1
        // Bucket points by grid cell for the kernel sums.
        var buckets = [[Int]](repeating: [], count: nx * ny)
        for (p, x) in positions.enumerated() {
            let i = min(nx - 1, max(0, Int(((x.x - x0) / sigma).rounded()))), j = min(ny - 1, max(0, Int(((x.y - y0) / sigma).rounded())))
            buckets[j * nx + i].append(p)
        }
        var values = [Double](repeating: 0, count: l * nx * ny * 2)
        let reach = 3
        for j in 0..<ny {
            for i in 0..<nx {
                let node = Point3(x0 + Double(i) * sigma, y0 + Double(j) * sigma, 0)
                var wsum = 0.0
                var acc = [Complex<Double>](repeating: .zero, count: l)
                for b in max(0, j - reach)...min(ny - 1, j + reach) {
                    for a in max(0, i - reach)...min(nx - 1, i + reach) {
                        for p in buckets[b * nx + a] {
                            let dx = positions[p].x - node.x, dy = positions[p].y - node.y
                            let w = Double.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma))
                            wsum += w
                            for s in 0..<l { acc[s] = acc[s] + local[p][s] * Complex(w, 0) }
                        }
                    }
                }
                for s in 0..<l {
                    let g = wsum > 1e-9 ? acc[s] * Complex(1 / wsum, 0) : model.sources[s].gain
                    let k = 2 * ((s * ny + j) * nx + i)
                    values[k] = g.real; values[k + 1] = g.imaginary
                }
            }
        }
        return GainMap(originX: x0, originY: y0, spacing: sigma, nx: nx, ny: ny, paths: l, values: values)
    }
}
