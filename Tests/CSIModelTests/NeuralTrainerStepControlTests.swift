import CSINumerics
import Testing

@testable import CSIModel

/// The trainer's step controls: the batch shrunk to give a minimum number of steps per epoch, and parameter groups
/// held for the first epochs and then moved at a fraction of Adam's step (`TrainingOptions.slowPrefixes`).
@Suite struct NeuralTrainerStepControlTests {
    @Test func batchShrinksToGiveTheStepsPerEpoch() {
        var o = TrainingOptions()
        o.batchSize = 512
        #expect(o.batchSize(samples: 2970) == 512) // off by default
        o.minimumStepsPerEpoch = 32
        #expect(o.batchSize(samples: 2970) == 93) // ⌈2970 / 32⌉
        #expect(o.batchSize(samples: 16384) == 512) // large surveys keep the preset's batch
        #expect(o.batchSize(samples: 20000) == 512)
        #expect(o.batchSize(samples: 1000) == 64) // not below the minimum batch
        #expect(o.batchSize(samples: 40) == 40) // never more than the samples
        o.minimumBatchSize = 16
        #expect(o.batchSize(samples: 1000) == 32)
    }

    /// One full-batch step from the same network with and without the controls: the slow groups move by exactly
    /// `slowStepScale` × the plain step (Float rounding), not at all while frozen; every other parameter moves as in
    /// the plain step, bit for bit.
    @Test func slowGroupsMoveByTheScaledStep() throws {
        let data = NeuralTrainingTests.tinyData(count: 120)
        let start = try MBINR<Float>(configuration: NeuralTrainingTests.smallConfig(data), seed: 3)
        func step(scale: Double, freeze: Int) -> [Float] {
            var net = start
            var o = TrainingOptions()
            o.epochs = 1; o.batchSize = 100; o.learningRate = 1e-3; o.validationInterval = 1
            o.slowPrefixes = MBINR<Float>.geometryBranchPrefixes; o.slowStepScale = scale; o.freezeEpochs = freeze
            _ = NeuralTrainer.train(
                &net, data: data, training: Array(0..<100), validation: Array(100..<120), options: o)
            return net.parameters.values
        }
        let plain = step(scale: 1, freeze: 0), scaled = step(scale: 0.25, freeze: 0),
            frozen = step(scale: 0.25, freeze: 1)
        let slow = start.parameters.entries.filter { e in
            MBINR<Float>.geometryBranchPrefixes.contains { e.name.hasPrefix($0) }
        }
        #expect(!slow.isEmpty)
        var isSlow = [Bool](repeating: false, count: start.parameters.count)
        for e in slow { for i in e.offset..<(e.offset + e.count) { isSlow[i] = true } }
        var moved = 0
        for i in 0..<start.parameters.count {
            let s0 = start.parameters.values[i]
            if isSlow[i] {
                let full = plain[i] - s0
                if full != 0 { moved += 1 }
                #expect(abs((scaled[i] - s0) - 0.25 * full) <= 1e-6 * max(abs(s0), 1e-3))
                #expect(frozen[i] == s0)
            } else {
                #expect(scaled[i] == plain[i])
                #expect(frozen[i] == plain[i])
            }
        }
        #expect(moved > 0, "the plain step moved no delay/direction weight")
    }

    /// Early stopping does not judge the held epochs: with every parameter held (prefix "") the validation cannot
    /// improve, and patience 1 would stop at the second epoch; the run lasts past the held epochs instead.
    @Test func earlyStoppingCountsFromTheRelease() throws {
        let data = NeuralTrainingTests.tinyData(count: 60)
        var net = try MBINR<Float>(configuration: NeuralTrainingTests.smallConfig(data), seed: 1)
        let start = net.parameters.values
        var o = TrainingOptions()
        o.epochs = 20; o.batchSize = 50; o.patience = 1; o.validationInterval = 1
        o.slowPrefixes = [""]; o.freezeEpochs = 6
        let report = NeuralTrainer.train(
            &net, data: data, training: Array(0..<50), validation: Array(50..<60), options: o)
        #expect(report.epochsRun > 6, "stopped at epoch \(report.epochsRun)")
        #expect(report.epochsRun < 20 || net.parameters.values != start)
    }
}
