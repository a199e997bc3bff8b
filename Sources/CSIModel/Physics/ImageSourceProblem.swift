import CSIChannel
import CSINumerics
import Numerics

/// The least-squares problem of fitting image sources to channels at a set of survey points: residuals,
/// their exact Jacobian with respect to the source parameters, and the Gauss–Newton normal equations,
/// accumulated in parallel over points without ever holding the whole Jacobian.
///
/// Parameter layout, per source: [centre (3), rotation (3)] when its geometry is free, then [gain re, im]
/// and, when gain slopes are on, [slope re, im] per varying axis.
struct ImageSourceProblem: @unchecked Sendable {
    let positions: [Point3]
    /// Normalised channels, 2·Na·Ns per point.
    let channels: [Double]
    let frame: ArrayFrame
    let frequencies: [Double]
    let carrier: Double
    let phaseModel: ArrayPhaseModel
    let gainReference: Point3
    /// Axes along which gains vary (empty = constant gains).
    let slopeAxes: [Int]
    /// Whether each source's geometry (centre, rotation) is a free parameter.
    let geometryFree: [Bool]
    let width: Int

    var valuesPerPoint: Int { 2 * frame.offsets.count * frequencies.count }
    var gainParameters: Int { 2 + 2 * slopeAxes.count }

    /// Offset of each source's first parameter, and the total count.
    var layout: (offsets: [Int], count: Int) {
        var offsets: [Int] = [], n = 0
        for free in geometryFree { offsets.append(n); n += (free ? 6 : 0) + gainParameters }
        return (offsets, n)
    }

    /// Packs the free parameters of `sources` (geometry deltas start at the current values: centre absolute,
    /// rotation 0).
    func pack(_ sources: [ImageSource]) -> [Double] {
        var theta: [Double] = []
        for (l, s) in sources.enumerated() {
            if geometryFree[l] { theta += [s.center.x, s.center.y, s.center.z, 0, 0, 0] }
            theta += [s.gain.real, s.gain.imaginary]
            let slopes = [s.gainSlope.0, s.gainSlope.1, s.gainSlope.2]
            for a in slopeAxes { theta += [slopes[a].real, slopes[a].imaginary] }
        }
        return theta
    }

    /// Applies parameters to `base` sources (rotations are applied relative to `base`'s frames).
    func unpack(_ theta: [Double], base: [ImageSource]) -> [ImageSource] {
        var out = base
        var i = 0
        for l in out.indices {
            if geometryFree[l] {
                out[l].center = Point3(theta[i], theta[i + 1], theta[i + 2])
                out[l].rotate(by: Point3(theta[i + 3], theta[i + 4], theta[i + 5]))
                i += 6
            }
            out[l].gain = Complex(theta[i], theta[i + 1]); i += 2
            var slopes = [Complex<Double>.zero, .zero, .zero]
            for a in slopeAxes { slopes[a] = Complex(theta[i], theta[i + 1]); i += 2 }
            out[l].gainSlope = (slopes[0], slopes[1], slopes[2])
        }
        return out
    }

    /// ½ Σ ‖model − data‖² over all points.
    func cost(_ sources: [ImageSource]) -> Double {
        let model = makeModel(sources)
        let tasks = max(1, width)
        var partial = [Double](repeating: 0, count: tasks)
        let stride = valuesPerPoint
        partial.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let out = buf
            Parallel.forEachChunk(count: tasks, width: tasks, minChunk: 1) { range in
                for task in range {
                    var acc = MultipathAccumulator(antennas: frame.offsets.count, frequencies: frequencies)
                    var m = [Double](repeating: 0, count: stride)
                    var sum = 0.0
                    var p = task
                    while p < positions.count {
                        model.accumulate(at: positions[p], into: &acc, normalised: true)
                        m.withUnsafeMutableBufferPointer { acc.write(into: $0.baseAddress!) }
                        let base = p * stride
                        for t in 0..<stride { let r = m[t] - channels[base + t]; sum += r * r }
                        p += tasks
                    }
                    out[task] = sum
                }
            }
        }
        return 0.5 * partial.reduce(0, +)
    }

    func makeModel(_ sources: [ImageSource]) -> ImageSourceModel {
        ImageSourceModel(sources: sources, frame: frame, frequencies: frequencies, carrier: carrier,
                         phaseModel: phaseModel, gainReference: gainReference, scale: 1)
    }

    /// Normal equations (½‖r‖², JᵀJ, Jᵀr) at `sources`.
    func normalEquations(_ sources: [ImageSource]) -> LevenbergMarquardt.Normal {
        let (offsets, n) = layout
        let tasks = max(1, width)
        let stride = valuesPerPoint
        let pointsPerBlock = max(1, 16_384 / stride)
        var jtjParts = [[Double]](repeating: [], count: tasks)
        var jtrParts = [[Double]](repeating: [], count: tasks)
        var costParts = [Double](repeating: 0, count: tasks)
        BLAS.setThreads(1)
        jtjParts.withUnsafeMutableBufferPointer { jtjBuf in
        jtrParts.withUnsafeMutableBufferPointer { jtrBuf in
        costParts.withUnsafeMutableBufferPointer { costBuf in
            nonisolated(unsafe) let jtjOut = jtjBuf, jtrOut = jtrBuf, costOut = costBuf
            Parallel.forEachChunk(count: tasks, width: tasks, minChunk: 1) { range in
                for task in range {
                    var jtj = [Double](repeating: 0, count: n * n)
                    var jtr = [Double](repeating: 0, count: n)
                    var block = [Double](repeating: 0, count: pointsPerBlock * stride * n)
                    var resid = [Double](repeating: 0, count: pointsPerBlock * stride)
                    var cost = 0.0
                    let mine = Array(Swift.stride(from: task, to: positions.count, by: tasks))
                    var start = 0
                    while start < mine.count {
                        let count = min(pointsPerBlock, mine.count - start)
                        block.withUnsafeMutableBufferPointer { jb in
                            resid.withUnsafeMutableBufferPointer { rb in
                                jb.update(repeating: 0)
                                for i in 0..<count {
                                    fillRows(point: mine[start + i], sources: sources, offsets: offsets, columns: n,
                                             jacobian: jb.baseAddress! + i * stride * n, residual: rb.baseAddress! + i * stride)
                                }
                            }
                        }
                        let rows = count * stride
                        for t in 0..<rows { cost += resid[t] * resid[t] }
                        block.withUnsafeBufferPointer { jb in
                            jtj.withUnsafeMutableBufferPointer { out in
                                BLAS.dsyrkTransposed(n: n, k: rows, a: jb.baseAddress!, lda: n, beta: 1, c: out.baseAddress!, ldc: n)
                            }
                            resid.withUnsafeBufferPointer { rb in
                                jtr.withUnsafeMutableBufferPointer { out in
                                    BLAS.dgemv(trans: true, m: rows, n: n, a: jb.baseAddress!, lda: n, x: rb.baseAddress!, beta: 1, y: out.baseAddress!)
                                }
                            }
                        }
                        start += count
                    }
                    jtjOut[task] = jtj; jtrOut[task] = jtr; costOut[task] = cost
                }
            }
        }}}
        var jtj = [Double](repeating: 0, count: n * n), jtr = [Double](repeating: 0, count: n)
        for t in 0..<tasks {
            for i in 0..<(n * n) { jtj[i] += jtjParts[t][i] }
            for i in 0..<n { jtr[i] += jtrParts[t][i] }
        }
        // dsyrk filled the upper triangle; mirror it so that callers may read either.
        for i in 0..<n { for j in 0..<i { jtj[i * n + j] = jtj[j * n + i] } }
        return (0.5 * costParts.reduce(0, +), jtj, jtr)
    }

    /// Writes the residual (model − data) and the Jacobian rows (row-major, `columns` wide) of one point.
    func fillRows(point p: Int, sources: [ImageSource], offsets: [Int], columns: Int,
                  jacobian: UnsafeMutablePointer<Double>, residual: UnsafeMutablePointer<Double>) {
        let x = positions[p]
        let ns = frequencies.count
        let stride = valuesPerPoint
        let base = p * stride
        for t in 0..<stride { residual[t] = -channels[base + t] }
        let k0 = 2 * Double.pi * carrier / speedOfLight
        let dx = x - gainReference
        for (l, src) in sources.enumerated() {
            let g = src.gain(at: x, reference: gainReference)
            var col = offsets[l]
            let geometryColumn = geometryFree[l] ? col : -1
            if geometryFree[l] { col += 6 }
            let gainColumn = col
            for (j, o) in frame.offsets.enumerated() {
                let d: Double, n: Point3
                var dirPhase = 0.0
                var dCenter = Point3.zero, dCenterJ = Point3.zero   // ∂T/∂c = T·(dCenter + j·dCenterJ) for plane wave
                var rotVector = Point3.zero                          // spherical: ∂d/∂δ ; plane wave: k0 (Δ × u)
                switch phaseModel {
                case .spherical:
                    let w = x - src.element(o); d = w.length; n = w / d
                    rotVector = n.cross(src.e1) * o.x + n.cross(src.e2) * o.y + n.cross(src.e3) * o.z
                case .planeWave:
                    let w = x - src.center; d = w.length; n = w / d
                    let delta = src.displacement(o)
                    dirPhase = k0 * n.dot(delta)
                    dCenter = n / d
                    dCenterJ = -(delta - n * n.dot(delta)) * (k0 / d)
                    rotVector = delta.cross(n) * k0
                }
                for k in 0..<ns {
                    let kf = 2 * Double.pi * frequencies[k] / speedOfLight
                    let (sn, cs) = sinCos(dirPhase - kf * d)
                    let bre = cs / d, bim = sn / d
                    let tre = g.real * bre - g.imaginary * bim, tim = g.real * bim + g.imaginary * bre
                    let row = 2 * (j * ns + k)
                    residual[row] += tre; residual[row + 1] += tim
                    let jr = jacobian + row * columns, ji = jacobian + (row + 1) * columns
                    if geometryColumn >= 0 {
                        switch phaseModel {
                        case .spherical:
                            // q = T·(−1/d − j kf);  ∂T/∂c = −q n;  ∂T/∂δ = q v
                            let qre = -tre / d + kf * tim, qim = -tim / d - kf * tre
                            for c in 0..<3 {
                                jr[geometryColumn + c] = -qre * n[c]; ji[geometryColumn + c] = -qim * n[c]
                                jr[geometryColumn + 3 + c] = qre * rotVector[c]; ji[geometryColumn + 3 + c] = qim * rotVector[c]
                            }
                        case .planeWave:
                            for c in 0..<3 {
                                // factor = (1/d)n_c + j(kf n_c + dCenterJ_c)·... : T·(a + j b)
                                let a = dCenter[c], b = kf * n[c] + dCenterJ[c]
                                jr[geometryColumn + c] = tre * a - tim * b; ji[geometryColumn + c] = tre * b + tim * a
                                // ∂T/∂δ = T · j rotVector
                                let r = rotVector[c]
                                jr[geometryColumn + 3 + c] = -tim * r; ji[geometryColumn + 3 + c] = tre * r
                            }
                        }
                    }
                    // Gains: ∂T/∂g_re = B, ∂T/∂g_im = jB; slopes: times (x − r)_axis.
                    jr[gainColumn] = bre; ji[gainColumn] = bim
                    jr[gainColumn + 1] = -bim; ji[gainColumn + 1] = bre
                    for (i, a) in slopeAxes.enumerated() {
                        let s = dx[a], c = gainColumn + 2 + 2 * i
                        jr[c] = bre * s; ji[c] = bim * s
                        jr[c + 1] = -bim * s; ji[c + 1] = bre * s
                    }
                }
            }
        }
    }
}

extension ImageSourceModel {
    /// A model over an existing frame (used while fitting, in normalised units).
    init(sources: [ImageSource], frame: ArrayFrame, frequencies: [Double], carrier: Double,
         phaseModel: ArrayPhaseModel, gainReference: Point3, scale: Double) {
        self.sources = sources
        self.frame = frame
        self.antennaPositions = frame.offsets.map { frame.center + frame.axes.0 * $0.x + frame.axes.1 * $0.y + frame.axes.2 * $0.z }
        self.frequencies = frequencies
        self.carrier = carrier
        self.phaseModel = phaseModel
        self.gainReference = gainReference
        self.scale = scale
    }
}
