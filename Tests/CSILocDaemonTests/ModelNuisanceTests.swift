import CSIChannel
import CSIModel
import CSINumerics
import CSISearch
import Foundation
import Testing

@testable import CSILocDaemon

/// The daemon searches with the per-frame unknowns its model was trained with, unless the config says otherwise.
@Suite struct ModelNuisanceTests {
    /// A small physics model of the tiny scene trained on frames with random phase, gain and timing offset.
    static func unsynchronisedModel(at path: String) throws {
        let scene = try Scene.load(contentsOf: tinyScenePath)
        let sim = ChannelSimulator(scene: scene)
        let positions = PositionSampler.uniform(in: scene.ueRegion, count: 300, seed: 1)
        var csi = [Float](repeating: 0, count: positions.count * sim.valuesPerChannel)
        positions.withUnsafeBufferPointer { p in csi.withUnsafeMutableBufferPointer { sim.evaluateFloat(p, into: $0) } }
        let impairments = Impairments(randomCommonPhase: true, maxTimingOffset: 5e-9, gainStdDB: 1)
        var rng = SeededGenerator(seed: 2, stream: 3)
        let stride = sim.valuesPerChannel
        csi.withUnsafeMutableBufferPointer { c in
            for m in positions.indices {
                impairments.apply(
                    to: UnsafeMutableBufferPointer(rebasing: c[(m * stride)..<((m + 1) * stride)]),
                    antennas: scene.array.positions.count, frequencies: scene.subcarriers.frequencies,
                    carrier: scene.subcarriers.carrier, rng: &rng)
            }
        }
        let data = CSIDataset(
            positions: positions, csi: csi, frequencies: scene.subcarriers.frequencies,
            antennas: scene.array.positions, carrier: scene.subcarriers.carrier)
        var options = ModelTrainer.Options()
        options.kind = .physics
        options.maxPaths = 1
        options.width = 1
        options.nuisance = .phaseGainAndTiming
        let file = try ModelTrainer(options: options).train(dataset: data)
        #expect(file.header.nuisance == NuisanceModel.phaseGainAndTiming.rawValue)
        try file.write(to: path)
    }

    @Test func daemonDefaultsToTheModelsNuisanceAndTheConfigOverridesIt() throws {
        let dir = makeTemporaryDirectory("nuisance")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let modelPath = dir + "/m.csimodel"
        try Self.unsynchronisedModel(at: modelPath)
        for (search, expected) in [
            ("", NuisanceModel.phaseGainAndTiming), ("search: {nuisance: none}\n", .none),
            ("search: {nuisance: phase-gain}\n", .phaseAndGain),
        ] {
            let configPath = dir + "/c.yaml"
            let text = "workers: 1\nmodel:\n  path: \(modelPath)\n" + search
            try text.write(toFile: configPath, atomically: true, encoding: .utf8)
            let config = try DaemonConfiguration.load(contentsOf: configPath)
            let serving = try ServingModel.load(
                config, configFile: configPath, configText: text, generation: 1, width: 1)
            #expect(serving.localizer.configuration.nuisance == expected, "\(search)")
            // The model's unknowns select the search suited to them (no circles, a wider local grid).
            #expect(serving.localizer.configuration == SearchMethod.robust.configuration(nuisance: expected))
        }
    }
}
