import CSIChannel
import CSINumerics
import Numerics

/// The least-squares problem of fitting image sources to channels at a set of survey points: residuals,
/// their exact Jacobian with respect to the source parameters, and the Gauss–Newton normal equations,
/// accumulated in parallel over points without ever holding the whole Jacobian.
///
/// With a `nuisance` (unsynchronised surveys), each point's channel is known only up to its own complex gain α
/// (and timing offset τ). The problem is then the variable-projection one, min_θ Σ_i min_{α_i,τ_i}
/// ‖α_i D(τ_i) F_i(θ) − H_i‖²: the residual is taken at each point's optimal (α_i, τ_i) (closed form and
/// Newton polish, `NuisanceMatch`), and its Jacobian is α_i D(τ_i) ∂F_i/∂θ projected orthogonally to the
/// nuisance directions (α D F, jα D F, ∂(α D F)/∂τ) — the Gauss–Newton Jacobian of the reduced problem
/// (Kaufman). Its gradient Jᵀr is exact (envelope theorem: r is orthogonal to those directions).
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
    /// Per-frame unknowns removed at every point (none: the survey is phase-coherent).
    var nuisance: NuisanceModel = .none

    var valuesPerPoint: Int { 2 * frame.offsets.count * frequencies.count }
    /// Δk = 2πΔf/c when the subcarriers are evenly spaced to 10⁻¹² relative (so that rotating by e^{−jΔk d}
    /// stays exact to ≈ 10⁻⁹ rad at 100 m), else nil.
    var uniformWavenumberStep: Double? {
        guard frequencies.count >= 2 else { return nil }
        return SubcarrierPlan(frequencies: frequencies).uniformSpacing(relativeTolerance: 1e-12).map {
            2 * Double.pi * $0 / speedOfLight
        }
    }
    /// Subcarriers between exact phasors in `fillRows` (rotations between them: the recurrence's round-off stays
    /// ≈ 10⁻¹⁵).
    static let anchorEvery = 32
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
                    var match = makeMatch()
                    var sum = 0.0
                    var p = task
                    while p < positions.count {
                        model.accumulate(at: positions[p], into: &acc, normalised: true)
                        m.withUnsafeMutableBufferPointer { acc.write(into: $0.baseAddress!) }
                        let base = p * stride
                        if match != nil {
                            channels.withUnsafeBufferPointer {
                                match!.load(UnsafeBufferPointer(rebasing: $0[base..<(base + stride)]))
                            }
                            sum += m.withUnsafeBufferPointer { match!.evaluate($0.baseAddress!).cost }
                        } else {
                            for t in 0..<stride { let r = m[t] - channels[base + t]; sum += r * r }
                        }
                        p += tasks
                    }
                    out[task] = sum
                }
            }
        }
        return 0.5 * partial.reduce(0, +)
    }

    /// A per-thread nuisance matcher, nil for coherent surveys.
    func makeMatch() -> NuisanceMatch? {
        guard nuisance != .none else { return nil }
        return NuisanceMatch(
            frequencies: frequencies, antennas: frame.offsets.count,
            reference: frequencies.reduce(0, +) / Double(max(frequencies.count, 1)), nuisance: nuisance)
    }

    func makeModel(_ sources: [ImageSource]) -> ImageSourceModel {
        ImageSourceModel(
            sources: sources, frame: frame, frequencies: frequencies, carrier: carrier,
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
                            var match = makeMatch()
                            var projection = ProjectionScratch(values: stride, columns: n)
                            let mine = Array(Swift.stride(from: task, to: positions.count, by: tasks))
                            var start = 0
                            while start < mine.count {
                                let count = min(pointsPerBlock, mine.count - start)
                                block.withUnsafeMutableBufferPointer { jb in
                                    resid.withUnsafeMutableBufferPointer { rb in
                                        jb.update(repeating: 0)
                                        for i in 0..<count {
                                            fillRows(
                                                point: mine[start + i], sources: sources, offsets: offsets, columns: n,
                                                jacobian: jb.baseAddress! + i * stride * n,
                                                residual: rb.baseAddress! + i * stride)
                                            if match != nil {
                                                project(
                                                    point: mine[start + i], columns: n, match: &match!,
                                                    scratch: &projection, jacobian: jb.baseAddress! + i * stride * n,
                                                    residual: rb.baseAddress! + i * stride)
                                            }
                                        }
                                    }
                                }
                                let rows = count * stride
                                for t in 0..<rows { cost += resid[t] * resid[t] }
                                block.withUnsafeBufferPointer { jb in
                                    jtj.withUnsafeMutableBufferPointer { out in
                                        BLAS.dsyrkTransposed(
                                            n: n, k: rows, a: jb.baseAddress!, lda: n, beta: 1, c: out.baseAddress!,
                                            ldc: n)
                                    }
                                    resid.withUnsafeBufferPointer { rb in
                                        jtr.withUnsafeMutableBufferPointer { out in
                                            BLAS.dgemv(
                                                trans: true, m: rows, n: n, a: jb.baseAddress!, lda: n,
                                                x: rb.baseAddress!, beta: 1, y: out.baseAddress!)
                                        }
                                    }
                                }
                                start += count
                            }
                            jtjOut[task] = jtj; jtrOut[task] = jtr; costOut[task] = cost
                        }
                    }
                }
            }
        }
        var jtj = [Double](repeating: 0, count: n * n), jtr = [Double](repeating: 0, count: n)
        for t in 0..<tasks {
            for i in 0..<(n * n) { jtj[i] += jtjParts[t][i] }
            for i in 0..<n { jtr[i] += jtrParts[t][i] }
        }
        // dsyrk filled the upper triangle; mirror it so that callers may read either.
        for i in 0..<n { for j in 0..<i { jtj[i * n + j] = jtj[j * n + i] } }
        if nuisance != .none { pinGauge(&jtj, sources: sources, offsets: offsets, n: n) }
        return (0.5 * costParts.reduce(0, +), jtj, jtr)
    }

    /// Writes the residual (model − data) and the Jacobian rows (row-major, `columns` wide) of one point.
    func fillRows(
        point p: Int, sources: [ImageSource], offsets: [Int], columns: Int,
        jacobian: UnsafeMutablePointer<Double>, residual: UnsafeMutablePointer<Double>
    ) {
        let x = positions[p]
        let ns = frequencies.count
        let stride = valuesPerPoint
        let base = p * stride
        for t in 0..<stride { residual[t] = -channels[base + t] }
        let k0 = 2 * Double.pi * carrier / speedOfLight
        let dx = x - gainReference
        let wavenumberStep = uniformWavenumberStep
        for (l, src) in sources.enumerated() {
            let g = src.gain(at: x, reference: gainReference)
            // A wedge's diffraction coefficient D (from the image-array centre, at the carrier) multiplies the path:
            // T = g·D·B, and ∂T/∂c gains g·B·∂D/∂c (`ImageSourceModel.wedgeCoefficient`).
            // (The gradient only where the geometry is free: a gains-only problem needs the value alone.)
            var wedge: Complex<Double>? = nil, wedgeGradient: [Complex<Double>]? = nil
            if let edge = src.edge, edge.wedge != nil {
                if geometryFree[l] {
                    let d = edge.coefficientAndSourceGradient(from: src.center, to: x, wavenumber: k0)
                    wedge = d.value
                    wedgeGradient = [d.gradient.0, d.gradient.1, d.gradient.2]
                } else {
                    wedge = edge.coefficient(from: src.center, to: x, wavenumber: k0)
                }
            }
            var col = offsets[l]
            let geometryColumn = geometryFree[l] ? col : -1
            if geometryFree[l] { col += 6 }
            let gainColumn = col
            // A diffracted path is spherical from its unfolded elements whatever the array phase model.
            let sourcePhaseModel = src.edge == nil ? phaseModel : .spherical
            for (j, o) in frame.offsets.enumerated() {
                let d: Double, n: Point3
                // A diffracted path's spreading r (amplitude 1/r) and ∂ln(1/r)/∂(element); a straight path's is d.
                var spreading: Double, spreadingGradient = Point3.zero
                var dirPhase = 0.0
                var dCenter = Point3.zero, dCenterJ = Point3.zero // ∂T/∂c = T·(dCenter + j·dCenterJ) for plane wave
                var rotVector = Point3.zero // spherical: ∂d/∂δ ; plane wave: k0 (Δ × u)
                switch sourcePhaseModel {
                case .spherical:
                    // n = −∂d/∂(element): the unit vector toward x, or for a diffracted path `EdgeLine.sourceDirection`.
                    let e = src.element(o)
                    if let edge = src.edge {
                        d = edge.pathLength(from: e, to: x); n = edge.sourceDirection(from: e, to: x)
                        let spread = edge.spreading(from: e, to: x)
                        spreading = spread.divisor; spreadingGradient = spread.logGradientE
                    } else {
                        let w = x - e; d = w.length; n = w / d; spreading = d
                    }
                    rotVector = n.cross(src.e1) * o.x + n.cross(src.e2) * o.y + n.cross(src.e3) * o.z
                case .planeWave:
                    let w = x - src.center; d = w.length; n = w / d; spreading = d
                    let delta = src.displacement(o)
                    dirPhase = k0 * n.dot(delta)
                    dCenter = n / d
                    dCenterJ = -(delta - n * n.dot(delta)) * (k0 / d)
                    rotVector = delta.cross(n) * k0
                }
                // e^{j(φ − k_f d)} across subcarriers: exact at every `anchorEvery`-th, rotated by e^{−jΔk d} between
                // (uniform subcarriers; a sine and cosine per value otherwise).
                let step = wavenumberStep.map { sinCos(-$0 * d) }
                var sn = 0.0, cs = 1.0
                for k in 0..<ns {
                    let kf = 2 * Double.pi * frequencies[k] / speedOfLight
                    if let step, k % Self.anchorEvery != 0 {
                        (sn, cs) = (sn * step.cos + cs * step.sin, cs * step.cos - sn * step.sin)
                    } else {
                        (sn, cs) = sinCos(dirPhase - kf * d)
                    }
                    var bre = cs / spreading, bim = sn / spreading
                    // g·B before the wedge coefficient (its centre derivative's factor), then B times D.
                    var gbRe = 0.0, gbIm = 0.0
                    if let wedge {
                        gbRe = g.real * bre - g.imaginary * bim; gbIm = g.real * bim + g.imaginary * bre
                        let d = wedge
                        (bre, bim) = (d.real * bre - d.imaginary * bim, d.real * bim + d.imaginary * bre)
                    }
                    let tre = g.real * bre - g.imaginary * bim, tim = g.real * bim + g.imaginary * bre
                    let row = 2 * (j * ns + k)
                    residual[row] += tre; residual[row + 1] += tim
                    let jr = jacobian + row * columns, ji = jacobian + (row + 1) * columns
                    if geometryColumn >= 0 {
                        switch sourcePhaseModel {
                        case .spherical where src.edge != nil:
                            // G = ∂T/∂e = T·(∂ln(1/r)/∂e + j kf n) (n = −∂d/∂e);  ∂T/∂c = G;  ∂T/∂δ = Δ × G
                            let kn = n * kf
                            let gre = spreadingGradient * tre - kn * tim, gim = spreadingGradient * tim + kn * tre
                            let delta = src.displacement(o)
                            let rre = delta.cross(gre), rim = delta.cross(gim)
                            for c in 0..<3 {
                                jr[geometryColumn + c] = gre[c]; ji[geometryColumn + c] = gim[c]
                                jr[geometryColumn + 3 + c] = rre[c]; ji[geometryColumn + 3 + c] = rim[c]
                            }
                            if let wedgeGradient {
                                for c in 0..<3 {
                                    let dd = wedgeGradient[c]
                                    jr[geometryColumn + c] += gbRe * dd.real - gbIm * dd.imaginary
                                    ji[geometryColumn + c] += gbRe * dd.imaginary + gbIm * dd.real
                                }
                            }
                        case .spherical:
                            // q = T·(−1/d − j kf);  ∂T/∂c = −q n;  ∂T/∂δ = q v
                            let qre = -tre / d + kf * tim, qim = -tim / d - kf * tre
                            for c in 0..<3 {
                                jr[geometryColumn + c] = -qre * n[c]; ji[geometryColumn + c] = -qim * n[c]
                                jr[geometryColumn + 3 + c] = qre * rotVector[c];
                                ji[geometryColumn + 3 + c] = qim * rotVector[c]
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

extension ImageSourceProblem {
    /// With per-frame gains, scaling every source gain (and slope) by one complex factor changes no frame's cost.
    /// These are the two directions (real scaling, rotation) in parameter space at θ, unnormalised.
    func gaugeDirections(_ theta: [Double]) -> (v1: [Double], v2: [Double]) {
        let n = theta.count
        var v1 = [Double](repeating: 0, count: n), v2 = v1
        var c = 0
        for free in geometryFree {
            if free { c += 6 }
            for _ in 0..<(1 + slopeAxes.count) {
                guard c + 1 < n else { break }
                v1[c] = theta[c]; v1[c + 1] = theta[c + 1]
                v2[c] = -theta[c + 1]; v2[c + 1] = theta[c]
                c += 2
            }
        }
        return (v1, v2)
    }

    /// A step with its components along the gauge directions at θ removed (nothing to remove for coherent
    /// surveys): the cost is flat there, so any such component is round-off, and unchecked it lets the gains
    /// drift without bound.
    func withoutGauge(_ step: [Double], at theta: [Double]) -> [Double] {
        guard nuisance != .none else { return step }
        let (v1, v2) = gaugeDirections(theta)
        let norm = v1.reduce(0) { $0 + $1 * $1 } // = ‖v2‖², and v1 ⟂ v2
        guard norm > 0, norm.isFinite else { return step }
        var a = 0.0, b = 0.0
        for i in step.indices { a += step[i] * v1[i]; b += step[i] * v2[i] }
        return step.indices.map { step[$0] - (a * v1[$0] + b * v2[$0]) / norm }
    }

    /// Adds w·vvᵀ for both unit gauge directions to JᵀJ (which is singular along them), w = mean diagonal, so
    /// that the damped normal equations stay well conditioned.
    func pinGauge(_ jtj: inout [Double], sources: [ImageSource], offsets: [Int], n: Int) {
        let (v1, v2) = gaugeDirections(pack(sources))
        let norm = v1.reduce(0) { $0 + $1 * $1 }
        guard norm > 0, norm.isFinite else { return }
        var trace = 0.0
        for i in 0..<n { trace += jtj[i * n + i] }
        let w = max(trace / Double(n), .leastNormalMagnitude) / norm
        for i in 0..<n where v1[i] != 0 || v2[i] != 0 {
            for j in 0..<n { jtj[i * n + j] += w * (v1[i] * v1[j] + v2[i] * v2[j]) }
        }
    }

    /// Turns one point's coherent rows (residual F − H, Jacobian ∂F/∂θ) into the variable-projection rows at the
    /// point's optimal nuisance (see the type's comment). A point where the model is zero keeps its coherent rows,
    /// so that the first gains can move off zero.
    ///
    /// With β_k = α e^{−jω_k τ} per subcarrier, the rows of the reduced problem are P′(βJ) with P′ the projector
    /// off the nuisance directions βF, jβF, −jωβF. Multiplying by β is |α| times a rotation U, and P′ = U P Uᵀ
    /// with P the projector off F, jF, −jωF, so P′(βJ) = |α| U P J: the rotation is left out and the residual
    /// rotated back instead (r̃ = β̄ r / |α|, same norm). JᵀJ and Jᵀr are those of the rotated rows exactly; the
    /// nuisance directions no longer depend on α or τ.
    func project(
        point p: Int, columns n: Int, match: inout NuisanceMatch, scratch: inout ProjectionScratch,
        jacobian: UnsafeMutablePointer<Double>, residual: UnsafeMutablePointer<Double>
    ) {
        let stride = valuesPerPoint, ns = frequencies.count, na = frame.offsets.count
        let base = p * stride
        channels.withUnsafeBufferPointer { match.load(UnsafeBufferPointer(rebasing: $0[base..<(base + stride)])) }
        // F = residual + H.
        for t in 0..<stride { residual[t] += channels[base + t] }
        let fit = match.evaluate(residual)
        let magnitude = (fit.alpha.re * fit.alpha.re + fit.alpha.im * fit.alpha.im).squareRoot()
        guard magnitude > 0, magnitude.isFinite else {
            for t in 0..<stride { residual[t] -= channels[base + t] }
            return
        }
        let q = nuisance == .phaseGainAndTiming ? 3 : 2
        let t = scratch.tangents, coef = scratch.coefficients
        for k in 0..<ns {
            let w = match.omega[k]
            let (sn, cs) = sinCos(-w * fit.tau)
            let br = fit.alpha.re * cs - fit.alpha.im * sn, bi = fit.alpha.re * sn + fit.alpha.im * cs
            for j in 0..<na {
                let i = 2 * (j * ns + k)
                let fr = residual[i], fi = residual[i + 1]
                t[i] = fr; t[i + 1] = fi // F
                t[stride + i] = -fi; t[stride + i + 1] = fr // j F
                t[2 * stride + i] = w * fi; t[2 * stride + i + 1] = -w * fr // −jω F
                let rr = br * fr - bi * fi - channels[base + i], ri = br * fi + bi * fr - channels[base + i + 1]
                residual[i] = (br * rr + bi * ri) / magnitude; residual[i + 1] = (br * ri - bi * rr) / magnitude
            }
        }
        // Orthonormal basis of the nuisance directions (Gram–Schmidt; the first two are already orthogonal).
        for a in 0..<q {
            let ta = t + a * stride
            for b in 0..<a {
                let tb = t + b * stride
                let dot = BLAS.ddot(count: stride, ta, tb)
                for i in 0..<stride { ta[i] -= dot * tb[i] }
            }
            let norm = BLAS.ddot(count: stride, ta, ta)
            let inv = norm > 0 ? 1 / norm.squareRoot() : 0
            for i in 0..<stride { ta[i] *= inv }
        }
        // J ← |α| (I − QQᵀ) J: coefficients c = Qᵀ J (q × n), then J = |α| (J − Q c).
        BLAS.gemm(m: q, n: n, k: stride, a: t, lda: stride, b: jacobian, ldb: n, c: coef, ldc: n)
        BLAS.gemm(
            transA: true, m: stride, n: n, k: q, alpha: -magnitude, a: t, lda: stride, b: coef, ldb: n,
            beta: magnitude, c: jacobian, ldc: n)
    }
}

/// Buffers of ``ImageSourceProblem/project(point:columns:match:scratch:jacobian:residual:)`` for one thread: the
/// three nuisance directions of a point and their coefficients, allocated once per normal-equations pass.
struct ProjectionScratch: ~Copyable {
    let tangents: UnsafeMutablePointer<Double>
    let coefficients: UnsafeMutablePointer<Double>

    init(values: Int, columns: Int) {
        tangents = .allocate(capacity: max(3 * values, 1))
        tangents.initialize(repeating: 0, count: max(3 * values, 1))
        coefficients = .allocate(capacity: max(3 * columns, 1))
        coefficients.initialize(repeating: 0, count: max(3 * columns, 1))
    }

    deinit {
        tangents.deallocate()
        coefficients.deallocate()
    }
}

extension ImageSourceModel {
    /// A model over an existing frame (used while fitting, in normalised units).
    init(
        sources: [ImageSource], frame: ArrayFrame, frequencies: [Double], carrier: Double,
        phaseModel: ArrayPhaseModel, gainReference: Point3, scale: Double
    ) {
        self.sources = sources
        self.frame = frame
        self.antennaPositions = frame.offsets.map {
            frame.center + frame.axes.0 * $0.x + frame.axes.1 * $0.y + frame.axes.2 * $0.z
        }
        self.frequencies = frequencies
        self.carrier = carrier
        self.phaseModel = phaseModel
        self.gainReference = gainReference
        self.scale = scale
    }
}
