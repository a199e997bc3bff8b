import CSINumerics
import Numerics
import Testing

@testable import CSIChannel
@testable import CSIModel

/// The SIMD forms of the image-source model (fast Jacobian, fused Float32 scoring) against the entry-by-entry
/// closed form and the default `ChannelModel.correlate`.
@Suite struct ImageSourceModelFastPathTests {
    /// Seven antennas (the scalar tails of the fused kernel: fewer than its eight-antenna vectors) or more (`antennas`:
    /// 11 or 17 reach the vector paths and their tails) and 70 subcarriers (a re-anchor inside), three sources (one
    /// diffracted around an edge with a wedge) plus `extraSources` straight ones (4 or 5 sources: a second group of
    /// the fused kernel, of one or two), gains with slopes or a gain map.
    static func model(
        _ phase: ArrayPhaseModel, gainMap: Bool, antennas count: Int = 7, extraSources: Int = 0
    ) -> ImageSourceModel {
        let antennas = (0..<count).map { Point3(-6, -0.12 + 0.04 * Double($0), 2.5) }
        let f = ArrayFrame(antennas: antennas).axes
        var a = ImageSource(center: Point3(-6, 0, 2.5), frame: f, gain: Complex(1.2, -0.4))
        var b = ImageSource(
            center: Point3(-6, 9.5, 2.5),
            frame: (Point3(f.0.x, -f.0.y, f.0.z), Point3(f.1.x, -f.1.y, f.1.z), Point3(f.2.x, -f.2.y, f.2.z)),
            gain: Complex(-0.3, 0.5))
        a.gainSlope = (Complex(0.05, 0.02), Complex(-0.03, 0.01), Complex(0.01, 0))
        b.gainSlope = (Complex(0.01, -0.04), Complex(0.02, 0.02), .zero)
        // A third path: from b's image around an edge line (a diffracted path, `EdgeLine`).
        var c = ImageSource(
            center: b.center, frame: (b.e1, b.e2, b.e3), gain: Complex(0.35, 0.2),
            edge: EdgeLine(point: Point3(-2, 3.1, 0), direction: Point3(0.05, 0.02, 1)))
        c.gainSlope = (Complex(-0.02, 0.01), .zero, Complex(0.01, 0.02))
        // Its edge's wedge (the coefficient is a factor of the gain in every kernel).
        let t = c.edge!.direction, toward = Point3(0.75.squareRoot(), 0.5, 0)
        let face0 = (toward - t * toward.dot(t)).normalized
        c.edge?.wedge = EdgeWedge(
            face0: face0, binormal: t.cross(face0), n: 1.9, reflection0: Complex(-0.7, 0.1),
            reflectionN: Complex(-0.5, -0.2))
        // Extra straight paths: images of the array in a ground plane and in walls at growing distances.
        let extra = (0..<extraSources).map { e -> ImageSource in
            var s = ImageSource(
                center: Point3(-6 - 3 * Double(e), 0.4 * Double(e), -2.5),
                frame: (Point3(f.0.x, f.0.y, -f.0.z), Point3(f.1.x, f.1.y, -f.1.z), Point3(f.2.x, f.2.y, -f.2.z)),
                gain: Complex(-0.4 + 0.1 * Double(e), 0.2))
            s.gainSlope = (Complex(0.01, 0.01 * Double(e)), .zero, .zero)
            return s
        }
        var m = ImageSourceModel(
            sources: [a, b, c] + extra, antennas: antennas,
            frequencies: (0..<70).map { 3.5e9 + (Double($0) - 34.5) * 1.25e6 }, carrier: 3.5e9,
            phaseModel: phase, gainReference: Point3(0.1, -0.2, 1), scale: 2.0)
        if gainMap {
            var rng = SeededGenerator(seed: 9)
            m.gainMap = GainMap(
                originX: -0.5, originY: -0.5, spacing: 0.3, nx: 5, ny: 4, paths: 3 + extraSources,
                values: (0..<((3 + extraSources) * 5 * 4 * 2)).map { _ in rng.nextGaussian() })
        }
        return m
    }

    @Test(arguments: [(ArrayPhaseModel.spherical, false), (.planeWave, false), (.spherical, true), (.planeWave, true)])
    func fastJacobianEqualsTheClosedFormEntryByEntry(_ phase: ArrayPhaseModel, _ map: Bool) {
        let m = Self.model(phase, gainMap: map)
        let n = m.valuesPerChannel
        for x in [Point3(0.13, 0.21, 1.0), Point3(-0.37, 0.05, 1.3)] {
            var v1 = [Double](repeating: 0, count: n), j1 = [Double](repeating: 0, count: 3 * n)
            var v2 = v1, j2 = j1
            v1.withUnsafeMutableBufferPointer { vb in
                j1.withUnsafeMutableBufferPointer { jb in
                    m.evaluateWithJacobian(at: x, value: vb, jacobian: jb) // the fast form (uniform subcarriers)
                }
            }
            v2.withUnsafeMutableBufferPointer { vb in
                j2.withUnsafeMutableBufferPointer { jb in
                    m.referenceJacobian(at: x, value: vb, jacobian: jb)
                }
            }
            let vs = v2.map(abs).max()!, js = j2.map(abs).max()!
            #expect(zip(v1, v2).allSatisfy { abs($0 - $1) <= 1e-12 * vs })
            #expect(zip(j1, j2).allSatisfy { abs($0 - $1) <= 1e-12 * js })
            // and the value equals `evaluate`
            let e = m.channels(at: [x])
            #expect(zip(v1, e).allSatisfy { abs($0 - $1) <= 1e-12 * vs })
        }
    }

    /// The fused Float32 scorer returns the correlations and energies of the Float64 channels to Float32
    /// rounding, and so ranks candidates like the exact cost — on all antennas and on every 2nd or 3rd (H given on
    /// those, `correlate(_:antennaStride:…)`).
    @Test(arguments: [
        (ArrayPhaseModel.spherical, 7, 0, 1), (.planeWave, 7, 0, 2), (.spherical, 11, 1, 1), (.spherical, 17, 2, 1),
        (.planeWave, 17, 2, 1), (.spherical, 17, 2, 2), (.spherical, 16, 1, 3),
    ])
    func fusedScoringMatchesTheChannels(
        _ phase: ArrayPhaseModel, _ antennas: Int, _ extraSources: Int, _ antennaStride: Int
    ) {
        let m = Self.model(phase, gainMap: true, antennas: antennas, extraSources: extraSources)
        let ns = m.subcarrierCount
        let kept = Array(stride(from: 0, to: m.antennaCount, by: antennaStride)), na = kept.count
        var rng = SeededGenerator(seed: 3)
        let truth = Point3(0.11, 0.19, 1.0)
        let full = m.channels(at: [truth])
        // H on the kept antennas: antenna-major interleaved, and subcarrier-major split for the scorer.
        var h = [Double](repeating: 0, count: 2 * na * ns)
        var hRe = [Double](repeating: 0, count: na * ns), hIm = hRe
        for (jj, j) in kept.enumerated() {
            for k in 0..<ns {
                h[2 * (jj * ns + k)] = full[2 * (j * ns + k)]; h[2 * (jj * ns + k) + 1] = full[2 * (j * ns + k) + 1]
                hRe[k * na + jj] = h[2 * (jj * ns + k)]; hIm[k * na + jj] = h[2 * (jj * ns + k) + 1]
            }
        }
        let positions = (0..<37).map { _ in truth + Point3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, 0) * 0.1 }
        var c = [Double](repeating: 0, count: positions.count * 2 * ns),
            e = [Double](repeating: 0, count: positions.count)
        var scratch = [Double](repeating: 0, count: positions.count * m.valuesPerChannel)
        positions.withUnsafeBufferPointer { p in
            hRe.withUnsafeBufferPointer { hr in
                hIm.withUnsafeBufferPointer { hi in
                    c.withUnsafeMutableBufferPointer { cb in
                        e.withUnsafeMutableBufferPointer { eb in
                            scratch.withUnsafeMutableBufferPointer { sb in
                                if antennaStride == 1 {
                                    m.correlate(
                                        p, hRe: hr.baseAddress!, hIm: hi.baseAddress!, correlations: cb.baseAddress!,
                                        energies: eb.baseAddress!, scratch: sb)
                                } else {
                                    m.correlate(
                                        p, antennaStride: antennaStride, hRe: hr.baseAddress!, hIm: hi.baseAddress!,
                                        correlations: cb.baseAddress!, energies: eb.baseAddress!, scratch: sb)
                                }
                            }
                        }
                    }
                }
            }
        }
        // The channels on the kept antennas, in the same layout as `h`.
        let all = m.channels(at: positions), per = 2 * m.antennaCount * ns
        var f = [Double](repeating: 0, count: positions.count * 2 * na * ns)
        for b in positions.indices {
            for (jj, j) in kept.enumerated() {
                for i in 0..<(2 * ns) { f[b * 2 * na * ns + 2 * jj * ns + i] = all[b * per + 2 * j * ns + i] }
            }
        }
        let valuesPerChannel = 2 * na * ns
        let hEnergy = h.reduce(0) { $0 + $1 * $1 }
        var exactCosts: [Double] = [], fusedCosts: [Double] = []
        for b in positions.indices {
            var energy = 0.0, re = 0.0
            for i in 0..<valuesPerChannel { energy += f[b * valuesPerChannel + i] * f[b * valuesPerChannel + i] }
            for k in 0..<ns {
                var cr = 0.0, ci = 0.0
                for j in 0..<na {
                    let i = 2 * (b * na * ns + j * ns + k)
                    cr += f[i] * h[2 * (j * ns + k)] + f[i + 1] * h[2 * (j * ns + k) + 1]
                    ci += f[i] * h[2 * (j * ns + k) + 1] - f[i + 1] * h[2 * (j * ns + k)]
                }
                #expect(abs(c[2 * (b * ns + k)] - cr) <= 1e-5 * hEnergy.squareRoot() * energy.squareRoot())
                #expect(abs(c[2 * (b * ns + k) + 1] - ci) <= 1e-5 * hEnergy.squareRoot() * energy.squareRoot())
                re += cr
            }
            #expect(abs(e[b] - energy) <= 1e-5 * energy)
            exactCosts.append(hEnergy - 2 * re + energy)
            var fr = 0.0
            for k in 0..<ns { fr += c[2 * (b * ns + k)] }
            fusedCosts.append(hEnergy - 2 * fr + e[b])
        }
        // Same ranking wherever the exact costs differ by more than the rounding.
        for a in positions.indices {
            for b in positions.indices where exactCosts[a] < exactCosts[b] - 1e-4 * hEnergy {
                #expect(fusedCosts[a] < fusedCosts[b])
            }
        }
    }

    /// The fused scorer is cheaper on fewer antennas only on evenly spaced subcarriers (else the strided correlation
    /// evaluates every antenna in Float64): what lets a search choose a coarse local grid by itself.
    @Test func fewerAntennasAreFasterOnlyOnEvenlySpacedSubcarriers() {
        let m = Self.model(.spherical, gainMap: false, antennas: 16)
        #expect(m.correlatesFewerAntennasFaster)
        var uneven = m.frequencies
        uneven[3] += 0.3e6
        let n = ImageSourceModel(
            sources: m.sources, antennas: m.antennaPositions, frequencies: uneven, carrier: m.carrier,
            phaseModel: .spherical, gainReference: Point3(0.1, -0.2, 1), scale: 2.0)
        #expect(!n.correlatesFewerAntennasFaster)
    }

    /// `evaluateSplit` (fused Float32, on every n-th antenna and subcarrier) equals the Float64 channels on the kept
    /// entries to Float32 rounding, in the documented layout; the default conversion gives the same.
    @Test(arguments: [(1, 1, 7), (2, 1, 7), (1, 3, 7), (3, 2, 7), (7, 70, 7), (1, 1, 17), (2, 3, 17)])
    func splitEvaluationKeepsTheStridedEntries(_ antennaStride: Int, _ subcarrierStride: Int, _ antennas: Int) {
        let m = Self.model(.spherical, gainMap: true, antennas: antennas, extraSources: antennas > 8 ? 2 : 0)
        let na = m.antennaCount, ns = m.subcarrierCount
        let positions = [Point3(0.11, 0.19, 1.0), Point3(-0.3, 0.05, 1.2), Point3(0.4, -0.2, 0.9)]
        let ka = (na + antennaStride - 1) / antennaStride, ks = (ns + subcarrierStride - 1) / subcarrierStride
        let (re, im) = splitChannels(
            of: m, at: positions, antennaStride: antennaStride, subcarrierStride: subcarrierStride
        ) { p, r, i, sb in
            m.evaluateSplit(
                p, antennaStride: antennaStride, subcarrierStride: subcarrierStride, re: r, im: i, scratch: sb)
        }
        let (re2, im2) = splitChannels(
            of: m, at: positions, antennaStride: antennaStride, subcarrierStride: subcarrierStride
        ) { p, r, i, sb in
            m.evaluateSplitByConversion(
                p, antennaStride: antennaStride, subcarrierStride: subcarrierStride, re: r, im: i, scratch: sb)
        }
        let f = m.channels(at: positions)
        for b in positions.indices {
            let scale = (0..<m.valuesPerChannel).reduce(0.0) { max($0, abs(f[b * m.valuesPerChannel + $1])) }
            for jj in 0..<ka {
                for kk in 0..<ks {
                    let j = jj * antennaStride, k = kk * subcarrierStride, o = (b * ks + kk) * ka + jj
                    let i = b * m.valuesPerChannel + 2 * (j * ns + k)
                    let dr = abs(Double(re[o]) - f[i]), di = abs(Double(im[o]) - f[i + 1])
                    #expect(dr <= 1e-5 * scale && di <= 1e-5 * scale)
                    #expect(re2[o] == Float(f[i]) && im2[o] == Float(f[i + 1]))
                }
            }
        }
    }
}
