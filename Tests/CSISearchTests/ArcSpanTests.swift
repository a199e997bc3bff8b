import CSIChannel
import CSINumerics
import Foundation
import Numerics
import Testing

@testable import CSISearch

/// The span stage (b') of 3-D searches with a linear array: its circle geometry, its cost, and what it finds.
@Suite struct ArcSpanTests {
    static let wavelength = SearchTestSupport.wavelength

    /// `SpanFrame.arc` against a dense walk around the circle: every angle inside the returned arc is in the box,
    /// the angles just beyond its ends are not, and the arc holds angle 0 whenever the pick's own point is inside.
    @Test func arcOfTheCircleInsideTheBoxMatchesADenseWalk() throws {
        let antennas = SearchTestSupport.multipath().array.positions
        let axis = try #require(ArrayAxis(antennas: antennas, tolerance: 1e-6))
        var rng = SeededGenerator(seed: 11)
        func u(_ a: Double, _ b: Double) -> Double { a + (b - a) * rng.nextUnit() }
        var checked = 0, missed = 0
        for _ in 0..<200 {
            let lower = Point3(u(-1, 0), u(-1, 0), u(0.5, 1.2))
            let upper = lower + Point3(u(0.2, 1.5), u(0.2, 1.5), u(0.05, 0.8))
            let region = SearchRegion(lower: lower, upper: upper)
            let pick = Point3(u(lower.x, upper.x), u(lower.y, upper.y), u(lower.z, upper.z))
            let w = pick - axis.origin, a0 = w.dot(axis.direction), radial = w - axis.direction * a0
            let e1 = radial.normalized
            let f = SpanFrame(
                origin: axis.origin, axis: axis.direction, e1: e1, e2: axis.direction.cross(e1), a0: a0,
                r0: radial.length)
            let da = u(-0.3, 0.3), dr = u(-0.4, 0.4)
            let inside = { (phi: Double) in region.contains(f.point(da, dr, phi), margin: 0) }
            // Dense walk: which angles are inside.
            let steps = 20_000
            let anyInside = (0..<steps).contains { inside(-Double.pi + 2 * Double.pi * Double($0) / Double(steps)) }
            guard let arc = f.arc(da, dr, in: region) else {
                #expect(!anyInside, "arc missed a circle that crosses the box")
                missed += 1
                continue
            }
            #expect(arc.lo <= arc.hi && arc.hi - arc.lo <= 2 * Double.pi + 1e-12)
            for i in 0...100 {
                let phi = arc.lo + (arc.hi - arc.lo) * Double(i) / 100
                #expect(region.contains(f.point(da, dr, phi), margin: 1e-9), "φ = \(phi) in [\(arc.lo), \(arc.hi)]")
            }
            if arc.hi - arc.lo < 2 * Double.pi - 1e-6 {
                #expect(!inside(arc.lo - 1e-6) && !inside(arc.hi + 1e-6))
            }
            if inside(0) { #expect(arc.lo <= 0 && 0 <= arc.hi) }
            checked += 1
        }
        #expect(checked > 100 && missed > 5)
    }

    /// A localizer over `scene3D` and a frame; the span stage's scratch loaded for it.
    static func loaded(
        _ h: [Double], nuisance: NuisanceModel = .none, coarseStrides: (Int, Int) = (1, 1)
    ) -> (Localizer, LocalizerScratch, ChannelSimulator) {
        let scene = ArrayAxisTests.scene3D(), sim = ChannelSimulator(scene: scene)
        var c = LocalizerConfiguration()
        c.nuisance = nuisance
        c.arcSpanCoarseAntennaStride = coarseStrides.0; c.arcSpanCoarseSubcarrierStride = coarseStrides.1
        let l = Localizer(model: sim, region: scene.ueRegion, configuration: c)
        var s = l.makeScratch()
        h.withUnsafeBufferPointer { s.match.load($0) }
        l.loadSpanChannel(&s)
        return (l, s, sim)
    }

    /// The span cost is the least-squares residual of H by complex combinations of the node's K channels:
    /// checked against the real normal equations of that fit (solved independently), for a frame that is such a
    /// combination plus an outside part; and, under a timing nuisance, against a dense delay search.
    @Test func spanCostIsTheLeastSquaresResidualOfTheNodesChannels() throws {
        let scene = ArrayAxisTests.scene3D(), sim = ChannelSimulator(scene: scene)
        let (l0, _, _) = Self.loaded(sim.channels(at: [Point3(0, 0, 1)]))
        let axis = try #require(l0.arrayAxis)
        let pick = Point3(0.1, -0.2, 1.1)
        let f = try #require(l0.spanFrame(around: pick))
        let (da, dr) = (0.03, -0.05)
        let arc = try #require(l0.spanAngles(f, da, dr))
        let k = try #require(l0.spanLattice).samples
        let points = (0..<k).map { f.point(da, dr, arc.lo + (arc.hi - arc.lo) * Double($0) / Double(k - 1)) }
        // Each sample is on the node's circle, inside the region grown by λ₀/2.
        for p in points {
            let w = p - axis.origin, a = w.dot(axis.direction)
            #expect(abs(a - (f.a0 + da)) < 1e-9 && abs((w - axis.direction * a).length - (f.r0 + dr)) < 1e-9)
            #expect(l0.region.contains(p, margin: Self.wavelength / 2 + 1e-9))
        }
        let columns = sim.channels(at: points), n = sim.valuesPerChannel
        var rng = SeededGenerator(seed: 3)
        let coefficients = (0..<k).map { _ in Complex(rng.nextGaussian(), rng.nextGaussian()) }
        let outside = sim.channels(at: [Point3(-0.4, 0.5, 0.9)])
        var h = [Double](repeating: 0, count: n)
        for i in Swift.stride(from: 0, to: n, by: 2) {
            for (c, a) in coefficients.enumerated() {
                h[i] += a.real * columns[c * n + i] - a.imaginary * columns[c * n + i + 1]
                h[i + 1] += a.real * columns[c * n + i + 1] + a.imaginary * columns[c * n + i]
            }
            h[i] += 0.3 * outside[i]; h[i + 1] += 0.3 * outside[i + 1]
        }
        // Independent: real least squares over (Re c, Im c) via the normal equations.
        func residual(_ h: [Double]) -> Double {
            let m = 2 * k
            var a = [Double](repeating: 0, count: m * m), b = [Double](repeating: 0, count: m)
            // column 2c: Re part basis (f_c), column 2c+1: j·f_c
            func basis(_ c: Int, _ i: Int) -> Double {
                let col = c / 2, re = columns[col * n + (i & ~1)], im = columns[col * n + (i | 1)]
                if c % 2 == 0 { return i % 2 == 0 ? re : im }
                return i % 2 == 0 ? -im : re
            }
            for p in 0..<m {
                for q in 0..<m { a[p * m + q] = (0..<n).reduce(0) { $0 + basis(p, $1) * basis(q, $1) } }
                b[p] = (0..<n).reduce(0) { $0 + basis(p, $1) * h[$1] }
            }
            // The same ridge as the stage: ε = 10⁻⁶ × the mean of ‖f_c‖²; the cost is then ‖h − Fc‖² + ε‖c‖².
            let eps = 1e-6 * (0..<m).reduce(0) { $0 + a[$1 * m + $1] } / Double(m)
            for p in 0..<m { a[p * m + p] += eps }
            let x = try! #require(Cholesky.solve(a, b, n: m))
            var r = 0.0
            for i in 0..<n {
                var fit = 0.0
                for p in 0..<m { fit += x[p] * basis(p, i) }
                r += (h[i] - fit) * (h[i] - fit)
            }
            return r + eps * x.reduce(0) { $0 + $1 * $1 }
        }
        var (l, s, _) = Self.loaded(h)
        let energy = h.reduce(0) { $0 + $1 * $1 }
        s.spanNodes[0] = SIMD2(da, dr)
        #expect(l.scoreSpan(f, count: 1, level: 0, &s) == 1)
        let expected = residual(h)
        #expect(expected > 1e-3 * energy, "the outside part must leave a residual")
        // The residual is formed explicitly (`spanResidual`): Float64-accurate up to the channels' Float32 rounding
        // (‖H‖² − bᴴG⁻¹b through the Float32 Gram matrix was off by up to ~10⁻⁴ of the energy).
        #expect(abs(s.spanCosts[0] - expected) < 1e-6 * energy, "span \(s.spanCosts[0]) vs LS \(expected)")

        // Timing: H delayed by τ₀ — the cost is the least-squares residual at the best delay: min over τ of the
        // residual of D(τ)⁻¹H, by a dense search (150 delays over one period of the subcarrier spacing, 100 more
        // around the best; the stage's grid has 2N_s, polished by Newton steps), and well below the undelayed fit.
        let plan = sim.frequencies, reference = plan.reduce(0, +) / Double(plan.count)
        func delayed(_ h: [Double], by tau: Double) -> [Double] {
            var out = h
            for j in 0..<sim.antennaCount {
                for kk in 0..<sim.subcarrierCount {
                    let i = 2 * (j * sim.subcarrierCount + kk)
                    let (sn, cs) = sinCos(-2 * Double.pi * (plan[kk] - reference) * tau)
                    out[i] = h[i] * cs - h[i + 1] * sn; out[i + 1] = h[i] * sn + h[i + 1] * cs
                }
            }
            return out
        }
        let tau0 = 2.3e-9
        let delayedFrame = delayed(h, by: tau0)
        let period = 1 / (plan[1] - plan[0])
        // 150 delays over the period, then 100 within one of their steps around the best.
        let coarse = (0..<150).map {
            (tau: period * Double($0) / 150, r: residual(delayed(delayedFrame, by: -period * Double($0) / 150)))
        }
        let centre = coarse.min { $0.r < $1.r }!.tau
        let dense = (0...100).map {
            residual(delayed(delayedFrame, by: -(centre + period / 150 * (Double($0) / 50 - 1))))
        }.min()!
        #expect(dense <= expected + 1e-9 * energy)
        var (lt, st, _) = Self.loaded(delayedFrame, nuisance: .phaseGainAndTiming)
        st.spanNodes[0] = SIMD2(da, dr)
        lt.scoreSpan(f, count: 1, level: 0, &st)
        var (lc, sc, _) = Self.loaded(delayedFrame)
        sc.spanNodes[0] = SIMD2(da, dr)
        lc.scoreSpan(f, count: 1, level: 0, &sc)
        #expect(st.spanCosts[0] <= dense + 1e-6 * energy, "timing span \(st.spanCosts[0]) vs dense LS \(dense)")
        #expect(st.spanCosts[0] >= dense - 1e-6 * energy)
        #expect(sc.spanCosts[0] > 2 * st.spanCosts[0], "a 2.3 ns delay must cost without the timing nuisance")
        _ = (lt, lc)
    }

    /// Under a timing nuisance the delay's maximum comes from the subcarrier lags when the subcarriers are evenly
    /// spaced: the same value as the delay grid's b(τ) per delay, over random nodes of an unsynchronised frame; uneven
    /// subcarriers have no lag step (the grid serves them).
    @Test func timingByLagsEqualsTheDelayGrid() throws {
        let scene = ArrayAxisTests.scene3D(), sim = ChannelSimulator(scene: scene)
        let truth = Point3(0.2, -0.1, 1.2)
        let h = SearchTestSupport.impaired(
            sim.channels(at: [truth]), gain: 0.8, phase: 1.1, timing: 3.7e-9, frequencies: sim.frequencies)
        var (l, s, _) = Self.loaded(h, nuisance: .phaseGainAndTiming)
        let lv = try #require(l.spanLevels.first)
        #expect(lv.lagStep != nil && lv.lagRe.count == lv.delays.count * lv.subcarriers)
        let f = try #require(l.spanFrame(around: truth))
        let k = try #require(l.spanLattice).samples
        var rng = SeededGenerator(seed: 9)
        var compared = 0
        for _ in 0..<40 {
            s.spanNodes[0] = SIMD2(0.2 * (rng.nextUnit() - 0.5), 0.4 * (rng.nextUnit() - 0.5))
            guard l.scoreSpan(f, count: 1, level: 0, &s) == 1 else { continue }
            // The scratch still holds the node's factor and correlations.
            let lags = l.spanTimingByLags(lv, k: k, &s).q, grid = l.spanTimingOnGrid(lv, k: k, &s).q
            #expect(abs(lags - grid) <= 1e-9 * s.match.energy, "lags \(lags) vs grid \(grid)")
            // The cost is the residual at the maximum's delay, formed explicitly: ‖H‖² − q carries the Float32 Gram
            // matrix's rounding amplified by its conditioning (≤ 2.4·10⁻⁴ of the energy here), the cost does not
            // (checked against an independent fit in `spanCostIsTheLeastSquaresResidualOfTheNodesChannels`).
            #expect(abs((s.match.energy - lags) - s.spanCosts[0]) <= 1e-3 * s.match.energy)
            #expect(s.spanCosts[0] >= 0 && s.spanCosts[0] < s.match.energy)
            compared += 1
        }
        #expect(compared >= 30)
        let uneven = SpanLevel(
            frequencies: [3.5e9, 3.5e9 + 1e6, 3.5e9 + 3e6, 3.5e9 + 4e6], antennas: 2, reference: 3.5e9,
            antennaStride: 1, subcarrierStride: 1, timing: true)
        #expect(uneven.lagStep == nil && uneven.lagRe.isEmpty)
    }

    /// From a pick on the wrong point of a wrong circle (off in range and along the axis, at another height), the
    /// span stage ranks a node on the truth's circle among its picks, and the search ends at the truth.
    /// Also with the coarse lattice on every other antenna and subcarrier (the refinement on all of them).
    @Test(arguments: [(1, 1), (2, 2)])
    func spanStageFindsTheTruthsCircleFromAWrongPick(_ strides: (Int, Int)) throws {
        let scene = ArrayAxisTests.scene3D(), sim = ChannelSimulator(scene: scene)
        var found = 0
        let truths = [Point3(0.1, 0.2, 1.05), Point3(-0.3, -0.1, 1.3), Point3(0.35, 0.4, 0.9)]
        for truth in truths {
            let h = sim.channels(at: [truth])
            var (l, s, _) = Self.loaded(h, coarseStrides: strides)
            #expect(l.spanLevels.count == (strides == (1, 1) ? 1 : 2))
            if let coarse = l.spanLevels.last, strides != (1, 1) {
                // Every other antenna and subcarrier of 16 × 8, in the frame's subcarrier-major layout.
                #expect(coarse.antennas == 8 && coarse.subcarriers == 4)
                var expected: [Int] = []
                for k in 0..<4 { for j in 0..<8 { expected.append(2 * k * 16 + 2 * j) } }
                #expect(coarse.entries == expected)
            }
            let axis = try #require(l.arrayAxis)
            func cylindrical(_ p: Point3) -> SIMD2<Double> {
                let w = p - axis.origin, a = w.dot(axis.direction)
                return SIMD2(a, (w - axis.direction * a).length)
            }
            // A pick 6 cm along the axis, 15 cm off in range and at another height.
            let pick = Point3(truth.x - 0.14, truth.y + 0.06, truth.z > 1.1 ? truth.z - 0.2 : truth.z + 0.2)
            let span = l.spanStage(around: pick, &s)
            #expect(span.scored > 100)
            let hit = span.picks.contains {
                let d = cylindrical($0.position) - cylindrical(truth)
                return (d * d).sum().squareRoot() < Self.wavelength / 4
            }
            if hit { found += 1 }
            // The whole search ends on the truth's circle (where on it is the arc stage's part: with only the ground
            // reflection varying along it, this scene has near-repeats there).
            let fix = l.localize(h)
            let d = cylindrical(fix.position) - cylindrical(truth)
            #expect((d * d).sum().squareRoot() < 1e-3, "truth \(truth): fix \(fix.position)")
            #expect(fix.stages.map(\.stage).starts(with: [.global, .span, .refine1, .arc]))
        }
        #expect(found == truths.count)
    }
}
