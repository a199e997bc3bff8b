import Numerics
import Testing

@testable import CSIChannel

@Suite struct SimulatorJacobianTests {
    /// Central finite differences in Float64 against the closed-form Jacobian.
    static func maxRelativeError(_ sim: ChannelSimulator, at x: Point3, step h: Double = 1e-6) -> Double {
        let (_, jac) = sim.channelAndJacobian(at: x)
        let n = sim.valuesPerChannel
        var worst = 0.0
        var scale = 0.0
        for v in jac { scale = max(scale, abs(v)) }
        for c in 0..<3 {
            var e = Point3.zero; e[c] = h
            let plus = sim.channels(at: [x + e]), minus = sim.channels(at: [x - e])
            for i in 0..<n {
                let fd = (plus[i] - minus[i]) / (2 * h)
                worst = max(worst, abs(fd - jac[c * n + i]) / scale)
            }
        }
        return worst
    }

    @Test func jacobianMatchesFiniteDifferencesWithReflections() {
        let planes = [
            ReflectingPlane(name: "ground", point: .zero, normal: Point3(0, 0, 1), reflection: Complex(-0.5, 0.1)),
            ReflectingPlane(
                name: "wall", point: Point3(0, 5, 0), normal: Point3(0, -1, 0), reflection: Complex(0.3, 0.4)),
        ]
        let scene = TestScenes.withPlanes(
            planes, order: 2, antennas: 4,
            subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 100e6, count: 8))
        let sim = ChannelSimulator(scene: scene)
        for x in [Point3(0.3, -0.2, 1.0), Point3(-0.7, 0.6, 1.3)] {
            #expect(Self.maxRelativeError(sim, at: x) <= 1e-5)
        }
    }

    @Test func jacobianIncludesElementPatternGradient() {
        let scene = TestScenes.withPlanes(
            [ReflectingPlane(name: "ground", point: .zero, normal: Point3(0, 0, 1), reflection: Complex(-0.5, 0.1))],
            order: 1, antennas: 3, subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 50e6, count: 4),
            pattern: .cosine(exponent: 1.5, boresight: Point3(1, 0.2, -0.1).normalized))
        let sim = ChannelSimulator(scene: scene)
        #expect(Self.maxRelativeError(sim, at: Point3(0.2, 0.4, 1.1)) <= 1e-5)
    }

    @Test func valueFromJacobianPathEqualsBatchEvaluation() {
        let scene = TestScenes.withPlanes(
            [ReflectingPlane(name: "ground", point: .zero, normal: Point3(0, 0, 1), reflection: Complex(-0.5, 0.1))],
            order: 1, antennas: 4, subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 100e6, count: 16))
        let sim = ChannelSimulator(scene: scene)
        let x = Point3(0.25, -0.6, 1)
        let (v, _) = sim.channelAndJacobian(at: x)
        let h = sim.channels(at: [x])
        let scale = h.map(abs).max()!
        for i in h.indices { #expect(abs(v[i] - h[i]) <= 1e-12 * scale) }
    }
}
