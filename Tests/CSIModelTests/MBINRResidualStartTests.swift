import CSINumerics
import Numerics
import Testing

@testable import CSIChannel
@testable import CSIModel

/// The start of a hybrid model's residual network (`MBINR.residualStart`): it outputs exactly zero with its
/// amplitude branch untouched (every hidden unit as alive as at initialisation), and end-to-end training from it
/// learns what the base model misses.
@Suite struct MBINRResidualStartTests {
    /// The two-path scene of `NuisanceTrainingTests` (direct path + wall) and its base without the wall.
    static let scene = NuisanceTrainingTests.scene
    static var lineOfSightOnly: ChannelSimulator {
        var s = scene
        s.planes = []
        return ChannelSimulator(scene: s)
    }

    static func config(_ data: TrainingData) -> MBINRConfiguration {
        MBINRConfiguration(
            geometry: NeuralGeometry(data: data), atomCount: 32, rings: [1, 0.9],
            amplitudeWidths: [32, 32], directionWidths: [24], delayWidths: [24])
    }

    @Test func startsAtZeroWithTheAmplitudeBranchAsInitialised() throws {
        let data = TrainingData(dataset: ImageSourceFitterTests.dataset(Self.scene, count: 300, seed: 3))
        let fresh = try MBINR<Float>(configuration: Self.config(data), seed: 5)
        var net = fresh
        net.residualStart(from: Self.lineOfSightOnly, positions: data.positions, epochs: 10, seed: 5)
        #expect(net.predict(data.positions).allSatisfy { $0 == 0 })
        // The hidden layers of the amplitude branch are exactly the fresh network's; only its output layer is zero.
        let layers = net.amplitude.layers
        for (l, layer) in layers.enumerated() {
            let ranges = [
                layer.weightRe..<(layer.weightRe + layer.inputs * layer.outputs),
                layer.weightIm..<(layer.weightIm + layer.inputs * layer.outputs),
                layer.biasRe..<(layer.biasRe + layer.outputs), layer.biasIm..<(layer.biasIm + layer.outputs),
            ]
            for r in ranges {
                if l == layers.count - 1 {
                    #expect(net.parameters.values[r].allSatisfy { $0 == 0 })
                } else {
                    #expect(Array(net.parameters.values[r]) == Array(fresh.parameters.values[r]))
                }
            }
        }
        // The delay and direction branches did move toward the base's path.
        #expect(net.parameters.values != fresh.parameters.values)
    }

    /// The base has the wall path at the wrong strength (reflection −0.3 instead of −0.6 + 0.1j). From the residual
    /// start the end-to-end training moves at once (a start whose amplitude units were dead would keep its first loss):
    /// after 30 epochs the composite's training NMSE is below the base's, for several seeds. (How far it gets is a
    /// benchmark's business: docs/model-neural.md, "Residual network".)
    @Test(arguments: [1, 2, 3] as [UInt64]) func trainingMovesFromTheStart(seed: UInt64) throws {
        let all = ImageSourceFitterTests.dataset(Self.scene, count: 500, seed: 4)
        let train = TrainingData(dataset: all)
        var weak = Self.scene
        weak.planes = [
            ReflectingPlane(
                name: "wall", point: Point3(0, 4, 0), normal: Point3(0, -1, 0), reflection: Complex(-0.3, 0))
        ]
        let base = ChannelSimulator(scene: weak)
        var net = try MBINR<Float>(configuration: Self.config(train), seed: seed)
        net.residualStart(from: base, positions: train.positions, epochs: 10, seed: seed)
        var o = TrainingOptions()
        o.epochs = 30; o.batchSize = 64; o.learningRate = 3e-3; o.validationInterval = 5; o.patience = 100
        o.seed = seed
        var first = Double.nan, last = Double.nan
        _ = NeuralTrainer.train(
            &net, data: train, training: Array(0..<400), validation: Array(400..<500),
            targets: train.residualTargets(base: base), options: o,
            progress: { p in
                if p.epoch == 0 { first = p.trainNMSE }
                last = p.trainNMSE
            })
        #expect(last < first - 0.3, "training NMSE \(first) dB at the start, \(last) dB after 30 epochs")
    }
}
