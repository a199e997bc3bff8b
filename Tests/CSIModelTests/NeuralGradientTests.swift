import CSIChannel
import CSINumerics
import Testing

@testable import CSIModel

/// Exact backprop and forward-mode input Jacobians against central finite differences, in Float64 (the same
/// generic code the Float32 trainer runs, instantiated with Double).
@Suite struct NeuralGradientTests {
    typealias S = NeuralTestSupport

    static func mbinr(
        inputDimensions: Int = 2, learnableAtoms: Bool, irregularArray: Bool = false
    ) throws -> MBINR<Double> {
        let c = MBINRConfiguration(
            geometry: S.tinyGeometry(inputDimensions: inputDimensions, irregularArray: irregularArray),
            atomCount: 10, rings: [1, 0.8],
            amplitudeWidths: [8, 6], directionWidths: [6], delayWidths: [6, 5],
            learnableAtoms: learnableAtoms)
        var net = try MBINR<Double>(configuration: c, seed: 3)
        // Move every parameter off its structured start so that no gradient is trivially zero.
        var rng = SeededGenerator(seed: 11)
        for i in net.parameters.values.indices { net.parameters.values[i] += 0.05 * rng.nextGaussian() }
        // A strong wavefront curvature (q ≈ 0.3/m), so its terms weigh in the checks.
        let bias = net.parameters.entry("direction.1.bias")!
        for i in 0..<net.atomCount { net.parameters.values[bias.offset + net.atomCount * net.rank + i] = 3 }
        return net
    }

    @Test(arguments: [(false, false), (true, false), (true, true)])
    func mbinrParameterGradients(learnableAtoms: Bool, irregularArray: Bool) throws {
        let net = try Self.mbinr(learnableAtoms: learnableAtoms, irregularArray: irregularArray)
        #expect(net.rank == (irregularArray ? 2 : 1))
        let x = S.positions(3, seed: 1)
        let err = S.parameterGradientError(
            net, positions: x, targets: S.randomTargets(3 * net.valuesPerChannel, seed: 2))
        #expect(err < 1e-5, "MB-INR parameter gradient relative error \(err)")
    }

    @Test(arguments: [(2, false), (3, false), (3, true)])
    func mbinrInputJacobian(inputDimensions: Int, irregularArray: Bool) throws {
        let net = try Self.mbinr(inputDimensions: inputDimensions, learnableAtoms: true, irregularArray: irregularArray)
        for x in S.positions(3, seed: 5, threeD: inputDimensions == 3) {
            let err = S.inputJacobianError(net, at: x)
            #expect(err < 1e-5, "MB-INR input Jacobian relative error \(err) at \(x)")
        }
    }

    static func baselines() throws -> [FieldMLP<Double>] {
        let g = S.tinyGeometry()
        return [
            try FieldMLP<Double>(
                configuration: FieldMLPConfiguration(geometry: g, encoding: .coordinates, hiddenWidths: [24, 16]),
                seed: 4),
            try FieldMLP<Double>(
                configuration: FieldMLPConfiguration(
                    geometry: g, encoding: .randomFourier(features: 6, sigma: 2 * .pi / g.wavelength, seed: 9),
                    hiddenWidths: [8]), seed: 4),
        ]
    }

    @Test func baselineParameterGradients() throws {
        for net in try Self.baselines() {
            let x = S.positions(3, seed: 1)
            let err = S.parameterGradientError(
                net, positions: x, targets: S.randomTargets(3 * net.valuesPerChannel, seed: 2))
            #expect(err < 1e-5, "\(net.configuration.encoding) parameter gradient relative error \(err)")
        }
    }

    @Test func baselineInputJacobians() throws {
        for net in try Self.baselines() {
            for x in S.positions(3, seed: 6) {
                let err = S.inputJacobianError(net, at: x)
                #expect(err < 1e-5, "\(net.configuration.encoding) input Jacobian relative error \(err)")
            }
        }
    }

    /// The Float32 network (the trainer's and the localizer's) computes the Float64 network's function to Float32
    /// accuracy on an irregular array (its phasors by the vectorised Float32 sine/cosine, every array's now).
    @Test func float32NetworkMatchesFloat64OnAnIrregularArray() throws {
        let exact = try Self.mbinr(learnableAtoms: true, irregularArray: true)
        var fast = try MBINR<Float>(configuration: exact.configuration, seed: 3)
        fast.parameters.values = exact.parameters.values.map { Float($0) }
        let x = S.positions(16, seed: 9)
        let a = exact.predict(x), b = fast.predict(x).map { Double($0) }
        var error = 0.0, energy = 0.0
        for i in a.indices { error += (a[i] - b[i]) * (a[i] - b[i]); energy += a[i] * a[i] }
        #expect(energy > 0 && (error / energy).squareRoot() < 1e-5, "relative error \((error / energy).squareRoot())")
    }

    /// The Float32 Jacobian (forward pass and tangents in one pass over the weights, `RowProduct` for its few rows)
    /// against the Float64 network's, in 2-D and 3-D (up to eight stacked rows in the complex branch).
    @Test(arguments: [2, 3])
    func float32JacobianMatchesFloat64(inputDimensions: Int) throws {
        let exact = try Self.mbinr(inputDimensions: inputDimensions, learnableAtoms: true, irregularArray: true)
        var fast = try MBINR<Float>(configuration: exact.configuration, seed: 3)
        fast.parameters.values = exact.parameters.values.map { Float($0) }
        for x in S.positions(4, seed: 12, threeD: inputDimensions == 3) {
            let (v, j) = exact.predictWithJacobian(at: x)
            let (fv, fj) = fast.predictWithJacobian(at: x)
            func relativeError(_ a: [Double], _ b: [Float]) -> Double {
                var error = 0.0, energy = 0.0
                for i in a.indices { error += (a[i] - Double(b[i])) * (a[i] - Double(b[i])); energy += a[i] * a[i] }
                return energy > 0 ? (error / energy).squareRoot() : .infinity
            }
            #expect(relativeError(v, fv) < 1e-5)
            #expect(relativeError(j, fj) < 1e-4)
            // The value of the fused pass is the plain forward pass's, to the bit.
            #expect(fv == fast.predict([x]))
        }
    }

    /// The output tangents from the fused pass's branch tangents equal those of a second pass over the weights
    /// (`branchTangents`), to the bit: both multiply each row in the same order.
    @Test func fusedBranchTangentsMatchASecondPass() throws {
        let exact = try Self.mbinr(inputDimensions: 3, learnableAtoms: true, irregularArray: true)
        var fast = try MBINR<Float>(configuration: exact.configuration, seed: 3)
        fast.parameters.values = exact.parameters.values.map { Float($0) }
        let x = S.positions(1, seed: 13, threeD: true)
        x.withUnsafeBufferPointer { p in
            let fused = fast.forward(p, head: fast.head, tangents: true)
            let plain = fast.forward(p, head: fast.head)
            #expect(plain.tangents == nil)
            let a = fast.outputTangents(fused, positions: p, head: fast.head)
            let b = fast.outputTangents(plain, positions: p, head: fast.head)
            #expect(a.re == b.re && a.im == b.im)
            #expect(fused.tangents != nil)
            #expect(plain.hRe == fused.hRe && plain.hIm == fused.hIm)
        }
    }

    /// Extrapolation API at the training antennas and subcarriers reproduces the ordinary output.
    @Test func extrapolationAtTrainingGeometryIsIdentity() throws {
        let net = try Self.mbinr(learnableAtoms: false)
        let x = S.positions(4, seed: 8)
        let a = net.predict(x),
            b = net.predict(x, antennas: net.geometry.antennas, frequencies: net.geometry.frequencies)
        #expect(a == b)
    }
}
