import CSIChannel
import CSINumerics

@testable import CSIModel

/// Tiny geometries and finite-difference helpers shared by the neural-network tests.
enum NeuralTestSupport {
    /// 4-element λ/2 ULA along y at (−4, 0, 2), 4 subcarriers over 40 MHz at 3.5 GHz, a 1 m × 1 m area.
    /// `irregularArray`: 5 antennas spanning a plane, unevenly spaced (exercises the general antenna-atom path).
    static func tinyGeometry(inputDimensions: Int = 2, irregularArray: Bool = false) -> NeuralGeometry {
        let lambda = speedOfLight / 3.5e9
        let ants =
            irregularArray
            ? [
                Point3(-4, 0, 2), Point3(-4, 0.04, 2), Point3(-4, 0.1, 2.03), Point3(-4, -0.05, 1.95),
                Point3(-4, 0.02, 2.08),
            ]
            : (0..<4).map { Point3(-4, (Double($0) - 1.5) * lambda / 2, 2) }
        let freqs = SubcarrierPlan(carrier: 3.5e9, bandwidth: 40e6, count: 4).frequencies
        let corners = [
            Point3(-0.5, -0.5, inputDimensions == 3 ? -0.2 : 0), Point3(0.5, 0.5, inputDimensions == 3 ? 0.2 : 0),
        ]
        return NeuralGeometry(
            antennas: ants, frequencies: freqs, referenceFrequency: 3.5e9, positions: corners,
            inputDimensions: inputDimensions)
    }

    static func positions(_ n: Int, seed: UInt64, threeD: Bool = false) -> [Point3] {
        var rng = SeededGenerator(seed: seed)
        return (0..<n).map { _ in
            Point3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, threeD ? 0.4 * rng.nextUnit() - 0.2 : 0)
        }
    }

    static func randomTargets(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed, stream: 7)
        return (0..<n).map { _ in rng.nextGaussian() }
    }

    /// max_i |g_i − fd_i| / max_i |g_i|: the worst parameter-gradient error relative to the gradient's scale,
    /// with central differences of step h on every parameter.
    static func parameterGradientError<N: NeuralField>(
        _ net: N, positions: [Point3], targets: [Double], h: Double = 1e-6
    ) -> Double
    where N.Scalar == Double {
        let (_, g) = net.lossAndGradient(positions, targets: targets)
        var worst = 0.0, scale = 0.0
        for v in g { scale = max(scale, abs(v)) }
        var probe = net
        for i in 0..<net.parameters.count {
            let v = net.parameters.values[i]
            probe.parameters.values[i] = v + h
            let lp = probe.lossAndGradient(positions, targets: targets).loss
            probe.parameters.values[i] = v - h
            let lm = probe.lossAndGradient(positions, targets: targets).loss
            probe.parameters.values[i] = v
            worst = max(worst, abs((lp - lm) / (2 * h) - g[i]))
        }
        return worst / scale
    }

    /// Worst |J − J_fd| / max|J| over all outputs and the three axes (central differences, step h).
    static func inputJacobianError<N: NeuralField>(_ net: N, at x: Point3, h: Double = 1e-6) -> Double
    where N.Scalar == Double {
        let (_, jac) = net.predictWithJacobian(at: x)
        let n = net.valuesPerChannel
        var worst = 0.0, scale = 0.0
        for v in jac { scale = max(scale, abs(v)) }
        for c in 0..<3 {
            var e = Point3.zero; e[c] = h
            let plus = net.predict([x + e]), minus = net.predict([x - e])
            for i in 0..<n { worst = max(worst, abs((plus[i] - minus[i]) / (2 * h) - jac[c * n + i])) }
        }
        return scale > 0 ? worst / scale : worst
    }
}
