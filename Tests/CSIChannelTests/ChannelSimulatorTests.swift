import Foundation
import Numerics
import Testing

@testable import CSIChannel

@Suite struct ChannelSimulatorClosedFormTests {
    @Test func singleLineOfSightPathMatchesHandComputation() {
        let bs = Point3(-4, 0.3, 2.5), x = Point3(0.37, -0.21, 1.0)
        let sim = ChannelSimulator(scene: TestScenes.losOnly(bs: bs))
        let h = sim.channels(at: [x])
        // By hand: d = ‖x − a‖, h = exp(−j2πfd/c)/d.
        let d = ((x.x - bs.x) * (x.x - bs.x) + (x.y - bs.y) * (x.y - bs.y) + (x.z - bs.z) * (x.z - bs.z)).squareRoot()
        let expected = TestScenes.term(gain: Complex(1, 0), distance: d, frequency: 3.5e9)
        let got = Complex(h[0], h[1])
        #expect(TestScenes.relativeError(got, expected) <= 1e-9)
    }

    @Test func groundReflectionMatchesUnfoldedGeometry() {
        let bs = Point3(-4, 0.3, 2.5), x = Point3(0.37, -0.21, 1.0)
        let gamma = Complex(-0.55, 0.08)
        let ground = ReflectingPlane(name: "ground", point: .zero, normal: Point3(0, 0, 1), reflection: gamma)
        let sim = ChannelSimulator(scene: TestScenes.withPlanes([ground], order: 1, bs: bs))
        #expect(sim.paths.count == 2)
        let h = sim.channels(at: [x])
        let horizontal2 = (x.x - bs.x) * (x.x - bs.x) + (x.y - bs.y) * (x.y - bs.y)
        let dDirect = (horizontal2 + (bs.z - x.z) * (bs.z - x.z)).squareRoot()
        let dGround = (horizontal2 + (bs.z + x.z) * (bs.z + x.z)).squareRoot() // via the mirror in z = 0
        let expected =
            TestScenes.term(gain: Complex(1, 0), distance: dDirect, frequency: 3.5e9)
            + TestScenes.term(gain: gamma, distance: dGround, frequency: 3.5e9)
        #expect(TestScenes.relativeError(Complex(h[0], h[1]), expected) <= 1e-9)
    }

    /// Fermat's principle, independently of the image method: the reflected path is the shortest
    /// antenna → plane → receiver route. Minimise |a − r| + |r − x| over r on a tilted plane by nested
    /// golden-section search and compare with the image-source length.
    @Test func tiltedPlaneReflectionLengthMatchesFermatMinimum() {
        let bs = Point3(-4, 0.3, 2.5), x = Point3(0.5, 0.8, 1.2)
        let normal = Point3(0.2, -1, 0.1).normalized
        let p0 = Point3(0, 3, 0)
        let plane = ReflectingPlane(name: "wall", point: p0, normal: normal, reflection: Complex(0.5, 0))
        let image = plane.mirror(bs)
        let imageLength = (x - image).length
        let u = normal.cross(Point3(0, 0, 1)).normalized, v = normal.cross(u)
        func length(_ s: Double, _ t: Double) -> Double {
            let r = p0 + u * s + v * t
            return (bs - r).length + (r - x).length
        }
        func golden(_ lo: Double, _ hi: Double, _ f: (Double) -> Double) -> Double {
            var a = lo, b = hi
            let g = (5.0.squareRoot() - 1) / 2
            var c = b - g * (b - a), d = a + g * (b - a)
            var fc = f(c), fd = f(d)
            for _ in 0..<200 {
                if fc < fd {
                    b = d; d = c; fd = fc; c = b - g * (b - a); fc = f(c)
                } else {
                    a = c; c = d; fc = fd; d = a + g * (b - a); fd = f(d)
                }
            }
            return (a + b) / 2
        }
        let bestS = golden(-50, 50) { s in length(s, golden(-50, 50) { t in length(s, t) }) }
        let bestT = golden(-50, 50) { t in length(bestS, t) }
        let fermat = length(bestS, bestT)
        #expect(abs(fermat - imageLength) / imageLength < 1e-9)
        // And the simulator uses exactly that length.
        let sim = ChannelSimulator(scene: TestScenes.withPlanes([plane], order: 1, bs: bs))
        let h = sim.channels(at: [x])
        let expected =
            TestScenes.term(gain: Complex(1, 0), distance: (x - bs).length, frequency: 3.5e9)
            + TestScenes.term(gain: Complex(0.5, 0), distance: fermat, frequency: 3.5e9)
        #expect(TestScenes.relativeError(Complex(h[0], h[1]), expected) <= 1e-8)
    }

    /// 7 antennas: one SIMD group of four plus a scalar tail of three; 8: two full groups.
    @Test(arguments: [7, 8])
    func manyAntennasAndSubcarriersMatchDirectSumAcrossReanchoring(antennas: Int) {
        // 200 subcarriers crosses the rotation re-anchoring interval (64) three times.
        let plan = SubcarrierPlan(carrier: 3.5e9, bandwidth: 100e6, count: 200)
        let gamma = Complex(0.3, -0.4)
        let wall = ReflectingPlane(name: "wall", point: Point3(0, 6, 0), normal: Point3(0, -1, 0), reflection: gamma)
        let scene = TestScenes.withPlanes([wall], order: 1, antennas: antennas, subcarriers: plan)
        let sim = ChannelSimulator(scene: scene)
        let x = Point3(0.9, -0.3, 1.1)
        let h = sim.channels(at: [x])
        var worst = 0.0
        for (j, a) in scene.array.positions.enumerated() {
            let image = Point3(a.x, 12 - a.y, a.z) // mirror in y = 6, by hand
            for (k, f) in plan.frequencies.enumerated() {
                let expected =
                    TestScenes.term(gain: Complex(1, 0), distance: (x - a).length, frequency: f)
                    + TestScenes.term(gain: gamma, distance: (x - image).length, frequency: f)
                let got = TestScenes.complexAt(h, antenna: j, subcarrier: k, ns: plan.count, na: antennas)
                worst = max(worst, TestScenes.relativeError(got, expected))
            }
        }
        #expect(worst <= 1e-9)
    }

    @Test func nonUniformSubcarriersUseExactPhases() {
        let plan = SubcarrierPlan(frequencies: [3.49e9, 3.5e9, 3.5031e9, 3.52e9])
        #expect(plan.uniformSpacing == nil)
        let sim = ChannelSimulator(scene: TestScenes.losOnly(antennas: 2, subcarriers: plan))
        let x = Point3(0.1, 0.2, 1)
        let h = sim.channels(at: [x])
        for (j, a) in sim.antennaPositions.enumerated() {
            for (k, f) in plan.frequencies.enumerated() {
                let expected = TestScenes.term(gain: Complex(1, 0), distance: (x - a).length, frequency: f)
                #expect(
                    TestScenes.relativeError(TestScenes.complexAt(h, antenna: j, subcarrier: k, ns: 4, na: 2), expected)
                        <= 1e-9)
            }
        }
    }

    @Test func secondOrderCornerReflectionUsesDoubleImage() {
        // Two perpendicular walls x = 3 and y = 3: the double image of a is (6 − ax, 6 − ay, az).
        let wx = ReflectingPlane(
            name: "x", point: Point3(3, 0, 0), normal: Point3(-1, 0, 0), reflection: Complex(0.5, 0))
        let wy = ReflectingPlane(
            name: "y", point: Point3(0, 3, 0), normal: Point3(0, -1, 0), reflection: Complex(0, 0.5))
        let bs = Point3(-1, -1, 2)
        let scene = TestScenes.withPlanes([wx, wy], order: 2, bs: bs)
        let sim = ChannelSimulator(scene: scene)
        #expect(sim.paths.count == 1 + 2 + 2)
        let x = Point3(0.5, 0.7, 1)
        let a = bs
        let dx = Point3(6 - a.x, a.y, a.z), dy = Point3(a.x, 6 - a.y, a.z), dxy = Point3(6 - a.x, 6 - a.y, a.z)
        let h = sim.channels(at: [x])
        let expected =
            TestScenes.term(gain: Complex(1, 0), distance: (x - a).length, frequency: 3.5e9)
            + TestScenes.term(gain: Complex(0.5, 0), distance: (x - dx).length, frequency: 3.5e9)
            + TestScenes.term(gain: Complex(0, 0.5), distance: (x - dy).length, frequency: 3.5e9)
            + TestScenes.term(gain: Complex(0.5, 0) * Complex(0, 0.5), distance: (x - dxy).length, frequency: 3.5e9) // one of the two orders is geometrically valid
        #expect(TestScenes.relativeError(Complex(h[0], h[1]), expected) <= 1e-9)
    }

    @Test func finitePlaneReflectsOnlyWhereTheBounceHitsIt() {
        // A 2 m × 2 m panel on the wall y = 4 centred at x = 0, z = 1.5.
        let panel = ReflectingPlane(
            name: "panel", point: Point3(0, 4, 1.5), normal: Point3(0, -1, 0),
            reflection: Complex(0.7, 0), extent: (u: Point3(1, 0, 0), size: (2, 2)))
        let bs = Point3(-1, 0, 1.5)
        let sim = ChannelSimulator(scene: TestScenes.withPlanes([panel], order: 1, bs: bs))
        let near = Point3(1, 0, 1.5) // bounce at x = 0: on the panel
        let far = Point3(9, 0, 1.5) // bounce at x = 4: off the panel
        #expect(sim.pathsReaching(near).count == 2)
        #expect(sim.pathsReaching(far).count == 1)
        let h = sim.channels(at: [far])
        let direct = TestScenes.term(gain: Complex(1, 0), distance: (far - bs).length, frequency: 3.5e9)
        #expect(TestScenes.relativeError(Complex(h[0], h[1]), direct) <= 1e-12)
    }

    @Test func nlosRegionRemovesOnlyTheDirectPath() {
        let gamma = Complex(-0.5, 0)
        let ground = ReflectingPlane(name: "ground", point: .zero, normal: Point3(0, 0, 1), reflection: gamma)
        let blocked = Region(x: 0...1, y: -1...1, z: -10...10)
        let bs = Point3(-4, 0.3, 2.5)
        let sim = ChannelSimulator(scene: TestScenes.withPlanes([ground], order: 1, bs: bs, nlos: [blocked]))
        let inside = Point3(0.5, 0, 1), outside = Point3(-0.5, 0, 1)
        #expect(!sim.hasLineOfSight(at: inside))
        #expect(sim.hasLineOfSight(at: outside))
        let h = sim.channels(at: [inside])
        let image = Point3(bs.x, bs.y, -bs.z)
        let expected = TestScenes.term(gain: gamma, distance: (inside - image).length, frequency: 3.5e9)
        #expect(TestScenes.relativeError(Complex(h[0], h[1]), expected) <= 1e-12)
    }

    @Test func cosinePatternScalesByDepartureAngle() {
        let bs = Point3(-4, 0, 1)
        let pattern = ElementPattern.cosine(exponent: 2, boresight: Point3(1, 0, 0))
        let sim = ChannelSimulator(scene: TestScenes.withPlanes([], order: 0, bs: bs, pattern: pattern))
        let x = Point3(0, 3, 1)
        let d = (x - bs).length
        let cosine = (x - bs).x / d
        let expected = TestScenes.term(gain: Complex(cosine * cosine, 0), distance: d, frequency: 3.5e9)
        let h = sim.channels(at: [x])
        #expect(TestScenes.relativeError(Complex(h[0], h[1]), expected) <= 1e-12)
        // Behind the array: no radiation.
        #expect(sim.channels(at: [Point3(-8, 0, 1)]).allSatisfy { $0 == 0 })
    }

    @Test func floatEvaluationMatchesDoubleToSinglePrecision() {
        let scene = TestScenes.withPlanes(
            [ReflectingPlane(name: "g", point: .zero, normal: Point3(0, 0, 1), reflection: Complex(-0.5, 0.1))],
            order: 1, antennas: 4, subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 1e8, count: 16))
        let sim = ChannelSimulator(scene: scene)
        let xs = [Point3(0.1, 0.2, 1), Point3(-0.4, 0.9, 1)]
        let hd = sim.channels(at: xs)
        var hf = [Float](repeating: 0, count: hd.count)
        xs.withUnsafeBufferPointer { p in hf.withUnsafeMutableBufferPointer { sim.evaluateFloat(p, into: $0) } }
        let scale = hd.map(abs).max()!
        for i in hd.indices { #expect(abs(Double(hf[i]) - hd[i]) <= 1e-6 * scale) }
    }
}
