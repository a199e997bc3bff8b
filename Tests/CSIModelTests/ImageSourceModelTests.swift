import CSINumerics
import Numerics
import Testing

@testable import CSIChannel
@testable import CSIModel

/// A small model with two sources (one mirrored frame), gain slopes, 4 antennas × 6 subcarriers; with `edge`, a
/// third path from the mirrored image around a (slightly tilted) edge line, with a wedge when `wedge` (n = 1.9, its
/// interior a sliver between 12° and 30° from x, away from the source and the test receivers; lossy faces).
func sampleModel(
    _ phase: ArrayPhaseModel, slopes: Bool = true, edge: Bool = false, wedge: Bool = false
) -> ImageSourceModel {
    let antennas = (0..<4).map { Point3(-6, -0.06 + 0.04 * Double($0), 2.5) }
    var a = ImageSource(
        center: Point3(-6, 0, 2.5), frame: ArrayFrame(antennas: antennas).axes, gain: Complex(1.2, -0.4))
    let f = ArrayFrame(antennas: antennas).axes
    var b = ImageSource(
        center: Point3(-6, 9.5, 2.5),
        frame: (Point3(f.0.x, -f.0.y, f.0.z), Point3(f.1.x, -f.1.y, f.1.z), Point3(f.2.x, -f.2.y, f.2.z)),
        gain: Complex(-0.3, 0.5))
    if slopes {
        a.gainSlope = (Complex(0.05, 0.02), Complex(-0.03, 0.01), .zero)
        b.gainSlope = (Complex(0.01, -0.04), Complex(0.02, 0.02), .zero)
    }
    var sources = [a, b]
    if edge {
        var c = ImageSource(
            center: b.center, frame: (b.e1, b.e2, b.e3), gain: Complex(0.4, 0.3),
            edge: EdgeLine(point: Point3(-2, 3.1, 0), direction: Point3(0.05, 0.02, 1)))
        if wedge, let line = c.edge {
            let t = line.direction, toward = Point3(0.75.squareRoot(), 0.5, 0)
            let face0 = (toward - t * toward.dot(t)).normalized
            c.edge?.wedge = EdgeWedge(
                face0: face0, binormal: t.cross(face0), n: 1.9, reflection0: Complex(-0.7, 0.1),
                reflectionN: Complex(-0.5, -0.2))
        }
        if slopes { c.gainSlope = (Complex(-0.02, 0.03), Complex(0.01, 0.01), .zero) }
        sources.append(c)
    }
    return ImageSourceModel(
        sources: sources, antennas: antennas,
        frequencies: (0..<6).map { 3.5e9 + (Double($0) - 2.5) * 6.25e6 }, carrier: 3.5e9,
        phaseModel: phase, gainReference: Point3(0.1, -0.2, 1), scale: 2.0)
}

@Suite struct ImageSourceModelTests {
    @Test(arguments: ArrayPhaseModel.allCases, [0, 1, 2])
    func locationJacobianMatchesFiniteDifferences(_ phase: ArrayPhaseModel, _ edges: Int) {
        // 0: straight paths; 1: and a diffracted one; 2: its edge with a wedge.
        let m = sampleModel(phase, edge: edges > 0, wedge: edges > 1)
        let x = Point3(0.31, -0.47, 1.0)
        let (_, jac) = m.channelAndJacobian(at: x)
        let n = m.valuesPerChannel
        let scale = jac.map(abs).max()!
        let h = 1e-6
        var worst = 0.0
        for c in 0..<3 {
            var e = Point3.zero; e[c] = h
            let p = m.channels(at: [x + e]), q = m.channels(at: [x - e])
            for i in 0..<n { worst = max(worst, abs((p[i] - q[i]) / (2 * h) - jac[c * n + i]) / scale) }
        }
        #expect(worst <= 1e-5)
    }

    @Test func sphericalModelOfTheTrueImagesReproducesTheSimulator() throws {
        // Direct path + ground reflection: the image-source model with the true images and gains is the
        // simulator's channel exactly.
        let plane = ReflectingPlane(name: "g", point: .zero, normal: Point3(0, 0, 1), reflection: Complex(-0.5, 0.1))
        let scene = Scene(
            name: "t", array: .ula(count: 4, spacing: 0.0428, center: Point3(-5, 0.2, 3), axis: Point3(0, 1, 0)),
            subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 1e8, count: 8), planes: [plane],
            maxReflectionOrder: 1, ueRegion: Region(x: -1...1, y: -1...1, z: 1...1))
        let sim = ChannelSimulator(scene: scene)
        let frame = ArrayFrame(antennas: scene.array.positions)
        let f = frame.axes
        let mirrored = (Point3(f.0.x, f.0.y, -f.0.z), Point3(f.1.x, f.1.y, -f.1.z), Point3(f.2.x, f.2.y, -f.2.z))
        let model = ImageSourceModel(
            sources: [
                ImageSource(center: frame.center, frame: f, gain: Complex(1, 0)),
                ImageSource(center: plane.mirror(frame.center), frame: mirrored, gain: plane.reflection),
            ],
            antennas: scene.array.positions, frequencies: scene.subcarriers.frequencies, carrier: 3.5e9,
            phaseModel: .spherical, gainReference: .zero, scale: 1)
        let xs = [Point3(0.2, 0.3, 1), Point3(-0.7, 0.1, 1)]
        let a = sim.channels(at: xs), b = model.channels(at: xs)
        let s = a.map(abs).max()!
        for i in a.indices { #expect(abs(a[i] - b[i]) <= 1e-12 * s) }
    }

    @Test func arrayFrameReproducesElementPositions() {
        let antennas = (0..<3).flatMap { r in (0..<2).map { c in Point3(1 + 0.05 * Double(c), 2, 3 + 0.05 * Double(r)) }
        }
        let f = ArrayFrame(antennas: antennas)
        #expect(f.dimensionality == 2)
        for (a, o) in zip(antennas, f.offsets) {
            let p = f.center + f.axes.0 * o.x + f.axes.1 * o.y + f.axes.2 * o.z
            #expect((p - a).length < 1e-12)
        }
        #expect(abs(f.axes.0.dot(f.axes.1)) < 1e-12 && abs(f.axes.0.length - 1) < 1e-12)
    }
}

@Suite struct ImageSourceProblemTests {
    /// The parameter Jacobian of the least-squares problem against central differences of the residual.
    @Test(arguments: ArrayPhaseModel.allCases, [0, 1, 2])
    func parameterJacobianMatchesFiniteDifferences(_ phase: ArrayPhaseModel, _ edges: Int) {
        let m = sampleModel(phase, edge: edges > 0, wedge: edges > 1)
        let positions = [Point3(0.3, 0.1, 1), Point3(-0.4, 0.6, 1)]
        let data = m.channels(at: positions).map { $0 * 0.9 + 0.01 }
        // Every source's geometry free, the diffracted path's image array too (its edge is never a parameter).
        let problem = ImageSourceProblem(
            positions: positions, channels: data, frame: m.frame, frequencies: m.frequencies,
            carrier: m.carrier, phaseModel: phase, gainReference: m.gainReference,
            slopeAxes: [0, 1], geometryFree: m.sources.map { _ in true }, width: 1)
        let (offsets, n) = problem.layout
        let stride = problem.valuesPerPoint
        var jac = [Double](repeating: 0, count: positions.count * stride * n)
        var res = [Double](repeating: 0, count: positions.count * stride)
        for p in positions.indices {
            jac.withUnsafeMutableBufferPointer { jb in
                res.withUnsafeMutableBufferPointer { rb in
                    problem.fillRows(
                        point: p, sources: m.sources, offsets: offsets, columns: n,
                        jacobian: jb.baseAddress! + p * stride * n, residual: rb.baseAddress! + p * stride)
                }
            }
        }
        // Residual as a function of θ (rotations relative to the current frames).
        let theta = problem.pack(m.sources)
        func residual(_ t: [Double]) -> [Double] {
            let s = problem.unpack(t, base: m.sources)
            var r = [Double](repeating: 0, count: positions.count * stride)
            var j = [Double](repeating: 0, count: stride * n)
            for p in positions.indices {
                j.withUnsafeMutableBufferPointer { jb in
                    r.withUnsafeMutableBufferPointer { rb in
                        problem.fillRows(
                            point: p, sources: s, offsets: offsets, columns: n, jacobian: jb.baseAddress!,
                            residual: rb.baseAddress! + p * stride)
                    }
                }
            }
            return r
        }
        let r0 = residual(theta)
        #expect(zip(r0, res).allSatisfy { abs($0 - $1) < 1e-12 })
        let scale = jac.map(abs).max()!
        var worst = 0.0
        for c in 0..<n {
            var tp = theta, tm = theta
            let h = c % 8 < 3 ? 1e-6 : 1e-7
            tp[c] += h; tm[c] -= h
            let rp = residual(tp), rm = residual(tm)
            for row in 0..<(positions.count * stride) {
                worst = max(worst, abs((rp[row] - rm[row]) / (2 * h) - jac[row * n + c]) / scale)
            }
        }
        #expect(worst <= 1e-5)
        // And the normal equations equal JᵀJ, Jᵀr built from those rows.
        let (cost, jtj, jtr) = problem.normalEquations(m.sources)
        #expect(abs(cost - 0.5 * res.reduce(0) { $0 + $1 * $1 }) <= 1e-9 * max(cost, 1))
        for a in 0..<n {
            var s = 0.0
            for row in 0..<(positions.count * stride) { s += jac[row * n + a] * res[row] }
            #expect(abs(s - jtr[a]) <= 1e-9 * max(abs(s), 1))
            for b in 0..<n {
                var t = 0.0
                for row in 0..<(positions.count * stride) { t += jac[row * n + a] * jac[row * n + b] }
                #expect(abs(t - jtj[a * n + b]) <= 1e-9 * max(abs(t), 1))
            }
        }
    }
}

@Suite struct GainMapTests {
    static func mapped() -> ImageSourceModel {
        var m = sampleModel(.spherical, slopes: false)
        var rng = SeededGenerator(seed: 5)
        let values = (0..<(2 * 5 * 4 * 2)).map { _ in rng.nextGaussian() }
        m.gainMap = GainMap(originX: -0.5, originY: -0.5, spacing: 0.3, nx: 5, ny: 4, paths: 2, values: values)
        return m
    }

    @Test func jacobianWithGainMapMatchesFiniteDifferences() {
        let m = Self.mapped()
        let x = Point3(0.13, 0.21, 1.0) // inside a cell, away from node lines
        let (_, jac) = m.channelAndJacobian(at: x)
        let n = m.valuesPerChannel, h = 1e-6
        let scale = jac.map(abs).max()!
        var worst = 0.0
        for c in 0..<3 {
            var e = Point3.zero; e[c] = h
            let p = m.channels(at: [x + e]), q = m.channels(at: [x - e])
            for i in 0..<n { worst = max(worst, abs((p[i] - q[i]) / (2 * h) - jac[c * n + i]) / scale) }
        }
        #expect(worst <= 1e-5)
    }

    @Test func bilinearInterpolationHitsNodesAndClampsOutside() {
        let m = Self.mapped().gainMap!
        let node = m.gain(path: 1, at: Point3(-0.5 + 2 * 0.3, -0.5 + 0.3, 0)).value
        let k = 2 * ((1 * 4 + 1) * 5 + 2)
        #expect(abs(node.real - m.values[k]) < 1e-12 && abs(node.imaginary - m.values[k + 1]) < 1e-12)
        let outside = m.gain(path: 0, at: Point3(-9, -9, 0))
        #expect(abs(outside.value.real - m.values[0]) < 1e-12 && outside.dx == .zero && outside.dy == .zero)
    }

    @Test func gainMapSurvivesTheModelFile() throws {
        let m = Self.mapped()
        var header = ModelFileTests.sampleFile().header
        header.physics = m.physicsInfo
        let file = ModelFile(header: header, tensors: m.tensors)
        let back = try ImageSourceModel(file: try ModelFile.decode(try file.encoded(), file: "m"), path: "m")
        let xs = [Point3(0.1, 0.2, 1), Point3(2, -3, 1)]
        #expect(back.channels(at: xs) == m.channels(at: xs))
    }
}

@Suite struct VariableProjectionTests {
    /// The variable-projection gradient Jᵀr (projected Jacobian, residual at each frame's optimal nuisance) is the
    /// exact gradient of the nuisance-free cost ½Σ min_{α,τ}‖α D(τ) F − H‖² (envelope theorem): central
    /// differences of that cost agree, for phase-gain and phase-gain-timing.
    @Test(arguments: [NuisanceModel.phaseAndGain, .phaseGainAndTiming])
    func gradientMatchesFiniteDifferencesOfTheReducedCost(_ nuisance: NuisanceModel) {
        let m = sampleModel(.spherical)
        let positions = [Point3(0.3, 0.1, 1), Point3(-0.4, 0.6, 1), Point3(0.8, -0.5, 1)]
        // Data: the model with random per-frame gain, phase and timing offset, plus a perturbation.
        var data = m.channels(at: positions).map { $0 * m.scale }
        let stride = 2 * 4 * 6
        var rng = SeededGenerator(seed: 7, stream: 1)
        for p in positions.indices {
            let g = 0.5 + rng.nextUnit(), phi = 2 * Double.pi * rng.nextUnit(), tau = (rng.nextUnit() - 0.5) * 10e-9
            for j in 0..<4 {
                for k in 0..<6 {
                    let i = p * stride + 2 * (j * 6 + k)
                    let w = phi - 2 * Double.pi * (m.frequencies[k] - 3.5e9) * tau
                    let (s0, c0) = sinCos(w); let (s, c) = (s0 * g, c0 * g)
                    let re = data[i], im = data[i + 1]
                    data[i] = re * c - im * s + 0.02 * rng.nextGaussian();
                    data[i + 1] = re * s + im * c + 0.02 * rng.nextGaussian()
                }
            }
        }
        let problem = Self.problem(m, positions: positions, data: data, nuisance: nuisance)
        // Perturb the sources so that the gradient is not zero.
        var sources = Self.perturbed(m.sources)
        sources[1].gain = sources[1].gain * Complex(1.1, 0.2)
        let (_, _, jtr) = problem.normalEquations(sources)
        let theta = problem.pack(sources)
        func cost(_ t: [Double]) -> Double { problem.cost(problem.unpack(t, base: sources)) }
        let scale = jtr.map(abs).max()!
        var worst = 0.0
        for c in theta.indices {
            var tp = theta, tm = theta
            let h = c % 8 < 3 ? 1e-6 : 1e-6
            tp[c] += h; tm[c] -= h
            let fd = (cost(tp) - cost(tm)) / (2 * h)
            worst = max(worst, abs(fd - jtr[c]) / scale)
        }
        #expect(worst <= 1e-4, "worst relative gradient error \(worst)")
    }
}

@Suite struct ImageSourceProblemRowsTests {
    /// The rows' model part (data zero) equals the model's own channels — computed by another code path — on
    /// 40 evenly spaced subcarriers (phasors rotated between exact anchors every 32) and on a jittered list
    /// (a sine and cosine per value).
    @Test(arguments: [false, true])
    func residualRowsAreTheModelsChannels(_ jittered: Bool) {
        let base = sampleModel(.spherical)
        let frequencies: [Double] = (0..<40).map { k in
            let jitter: Double = jittered ? 1e3 * Double(k % 3) : 0
            return 3.5e9 + (Double(k) - 19.5) * 2.5e6 + jitter
        }
        let m = ImageSourceModel(
            sources: base.sources, antennas: base.antennaPositions, frequencies: frequencies, carrier: 3.5e9,
            phaseModel: .spherical, gainReference: base.gainReference, scale: 1)
        let positions = [Point3(0.3, 0.1, 1), Point3(-3.4, 7.6, 1.4)]
        let stride = 2 * 4 * 40
        let problem = ImageSourceProblem(
            positions: positions, channels: [Double](repeating: 0, count: positions.count * stride), frame: m.frame,
            frequencies: frequencies, carrier: 3.5e9, phaseModel: .spherical, gainReference: m.gainReference,
            slopeAxes: [0, 1], geometryFree: [true, true], width: 1)
        #expect((problem.uniformWavenumberStep == nil) == jittered)
        let (offsets, n) = problem.layout
        let expected = problem.makeModel(m.sources).channels(at: positions)
        var jac = [Double](repeating: 0, count: stride * n), res = [Double](repeating: 0, count: stride)
        for p in positions.indices {
            jac.withUnsafeMutableBufferPointer { jb in
                res.withUnsafeMutableBufferPointer { rb in
                    problem.fillRows(
                        point: p, sources: m.sources, offsets: offsets, columns: n, jacobian: jb.baseAddress!,
                        residual: rb.baseAddress!)
                }
            }
            let want = Array(expected[(p * stride)..<((p + 1) * stride)])
            let scale: Double = want.map { abs($0) }.max()!
            var worst = 0.0
            for i in 0..<stride { worst = max(worst, abs(res[i] - want[i])) }
            #expect(worst <= 1e-12 * scale, "point \(p): worst \(worst / scale) of the largest value")
        }
    }
}

extension VariableProjectionTests {
    /// The fitting problem of `m`'s two sources (geometry free, gain slopes in x and y) on `data` with `nuisance`.
    static func problem(
        _ m: ImageSourceModel, positions: [Point3], data: [Double], nuisance: NuisanceModel
    ) -> ImageSourceProblem {
        var problem = ImageSourceProblem(
            positions: positions, channels: data, frame: m.frame, frequencies: m.frequencies,
            carrier: m.carrier, phaseModel: .spherical, gainReference: m.gainReference,
            slopeAxes: [0, 1], geometryFree: [true, true], width: 1)
        problem.nuisance = nuisance
        return problem
    }

    /// `sources` with the first one's centre moved by a few centimetres (off the data's optimum).
    static func perturbed(_ sources: [ImageSource]) -> [ImageSource] {
        var sources = sources
        sources[0].center = sources[0].center + Point3(0.02, -0.01, 0.015)
        return sources
    }

    /// The normal matrix of an unsynchronised survey equals Σ (P′βJ)ᵀ(P′βJ) built the direct way: each point's
    /// coherent rows multiplied by β_k = α e^{−jω_k τ} at its optimal nuisance, then projected off the rotated
    /// nuisance directions βF, jβF, −jωβF by an explicit Gram–Schmidt basis (plus the same gauge pinning).
    @Test(arguments: [NuisanceModel.phaseAndGain, .phaseGainAndTiming])
    func normalMatrixEqualsTheRotatedProjectedRows(_ nuisance: NuisanceModel) {
        let m = sampleModel(.spherical)
        let positions = [Point3(0.3, 0.1, 1), Point3(-0.4, 0.6, 1), Point3(0.8, -0.5, 1)]
        let na = 4, ns = 6, stride = 2 * na * ns
        var rng = SeededGenerator(seed: 11, stream: 2)
        let data = m.channels(at: positions).map { $0 * m.scale * 0.7 + 0.05 * rng.nextGaussian() }
        let problem = Self.problem(m, positions: positions, data: data, nuisance: nuisance)
        let sources = Self.perturbed(m.sources)
        let (offsets, n) = problem.layout
        var expected = [Double](repeating: 0, count: n * n)
        var expectedCost = 0.0
        var match = problem.makeMatch()!
        for p in positions.indices {
            var jac = [Double](repeating: 0, count: stride * n), res = [Double](repeating: 0, count: stride)
            jac.withUnsafeMutableBufferPointer { jb in
                res.withUnsafeMutableBufferPointer { rb in
                    problem.fillRows(
                        point: p, sources: sources, offsets: offsets, columns: n, jacobian: jb.baseAddress!,
                        residual: rb.baseAddress!)
                }
            }
            let h = Array(data[(p * stride)..<((p + 1) * stride)])
            let f = zip(res, h).map { $0 + $1 }
            h.withUnsafeBufferPointer { match.load($0) }
            let fit = f.withUnsafeBufferPointer { match.evaluate($0.baseAddress!) }
            expectedCost += fit.cost
            // β per subcarrier; rotated rows and nuisance directions.
            var rows = jac, tangents = [[Double]](repeating: [Double](repeating: 0, count: stride), count: 3)
            for j in 0..<na {
                for k in 0..<ns {
                    let w = match.omega[k], i = 2 * (j * ns + k)
                    let beta =
                        Complex(fit.alpha.re, fit.alpha.im)
                        * Complex(sinCos(-w * fit.tau).cos, sinCos(-w * fit.tau).sin)
                    let bf = beta * Complex(f[i], f[i + 1])
                    tangents[0][i] = bf.real; tangents[0][i + 1] = bf.imaginary
                    tangents[1][i] = -bf.imaginary; tangents[1][i + 1] = bf.real
                    tangents[2][i] = w * bf.imaginary; tangents[2][i + 1] = -w * bf.real
                    for c in 0..<n {
                        let d = beta * Complex(jac[i * n + c], jac[(i + 1) * n + c])
                        rows[i * n + c] = d.real; rows[(i + 1) * n + c] = d.imaginary
                    }
                }
            }
            var basis: [[Double]] = []
            for t in tangents.prefix(nuisance == .phaseGainAndTiming ? 3 : 2) {
                var v = t
                for b in basis {
                    let dot = zip(v, b).reduce(0) { $0 + $1.0 * $1.1 }
                    v = zip(v, b).map { $0 - dot * $1 }
                }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                basis.append(v.map { $0 / norm })
            }
            for c in 0..<n {
                for b in basis {
                    var dot = 0.0
                    for i in 0..<stride { dot += b[i] * rows[i * n + c] }
                    for i in 0..<stride { rows[i * n + c] -= dot * b[i] }
                }
            }
            for a in 0..<n {
                for b in 0..<n {
                    for i in 0..<stride { expected[a * n + b] += rows[i * n + a] * rows[i * n + b] }
                }
            }
        }
        problem.pinGauge(&expected, sources: sources, offsets: offsets, n: n)
        let (cost, jtj, _) = problem.normalEquations(sources)
        #expect(abs(cost - 0.5 * expectedCost) <= 1e-9 * expectedCost)
        let scale: Double = expected.map { abs($0) }.max()!
        var worst = 0.0
        for i in 0..<(n * n) { worst = max(worst, abs(jtj[i] - expected[i])) }
        #expect(worst <= 1e-9 * scale, "worst \(worst / scale) of the largest entry")
    }
}
