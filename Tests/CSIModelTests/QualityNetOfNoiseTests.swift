import CSIChannel
import CSINumerics
import Testing

@testable import CSIModel

/// The quality map records the model's error net of the survey's reported noise (`QualityMeasurement.netOfNoise`).
@Suite struct QualityNetOfNoiseTests {
    @Test func theReportedNoiseShareIsRemovedAndFlooredAtItsFluctuation() {
        let n = 64
        let share20 = 1 / (100.0 + 1), share10 = 1 / (10.0 + 1)
        let ratios = [0.02, share20 * 1.01, 0.5, 0.3, 0.2, .nan]
        let snr = [20.0, 20, .nan, 95, 10, 20]
        let net = QualityMeasurement.netOfNoise(ratios, reportedSNRdB: snr, entries: n, nuisance: .none)
        #expect(abs(net[0] - (0.02 - share20)) < 1e-15)
        // Within the noise's own fluctuation: floored at share/√N.
        #expect(abs(net[1] - share20 / 8) < 1e-15)
        // Not reported, implausible: as measured.
        #expect(net[2] == 0.5 && net[3] == 0.3)
        #expect(abs(net[4] - (0.2 - share10)) < 1e-15)
        #expect(net[5].isNaN)
        // Fitted nuisance unknowns take d/2 of the N entries' noise: phase-gain-timing has d = 3.
        let timing = QualityMeasurement.netOfNoise(
            [0.02], reportedSNRdB: [20], entries: n, nuisance: .phaseGainAndTiming)
        #expect(abs(timing[0] - (0.02 - (1 - 3.0 / 128) * share20)) < 1e-15)
        // Without reports nothing changes.
        #expect(
            QualityMeasurement.netOfNoise(ratios, reportedSNRdB: nil, entries: n, nuisance: .none).elementsEqual(
                ratios, by: { $0 == $1 || ($0.isNaN && $1.isNaN) }))
    }

    /// An exact physics model trained on a 20 dB survey: its map says ≈ the survey's noise share (−20 dB) when the
    /// survey does not report its SNR, and the resolution floor (the model is exact) when it does.
    @Test func aNoisySurveyThatReportsItsSNRGivesTheModelsOwnError() throws {
        let scene = Scene(
            name: "q",
            array: .ula(count: 8, spacing: speedOfLight / 3.5e9 / 2, center: Point3(-4, 0, 2), axis: Point3(0, 1, 0)),
            subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 40e6, count: 8), planes: [], maxReflectionOrder: 0,
            ueRegion: Region(x: -1...1, y: -0.5...0.5, z: 0...0))
        let positions = PositionSampler.uniform(in: scene.ueRegion, count: 1200, seed: 4)
        let sim = ChannelSimulator(scene: scene)
        var csi = sim.channels(at: positions).map(Float.init)
        let stride = sim.valuesPerChannel
        csi.withUnsafeMutableBufferPointer { c in
            for m in positions.indices {
                var rng = SeededGenerator(seed: 9, stream: UInt64(m))
                Impairments(snrDB: 20).apply(
                    to: UnsafeMutableBufferPointer(rebasing: c[(m * stride)..<((m + 1) * stride)]),
                    antennas: scene.array.positions.count, frequencies: scene.subcarriers.frequencies,
                    carrier: scene.subcarriers.carrier, rng: &rng)
            }
        }
        var options = ModelTrainer.Options()
        options.kind = .physics
        options.maxPaths = 1
        options.nuisance = NuisanceModel.none
        var medians: [Double] = []
        for reported in [nil, [Double](repeating: 20, count: positions.count)] {
            let dataset = CSIDataset(
                positions: positions, csi: csi, frequencies: scene.subcarriers.frequencies,
                antennas: scene.array.positions, carrier: scene.subcarriers.carrier, reportedSNRdB: reported)
            let file = try ModelTrainer(options: options).train(dataset: dataset)
            medians.append(decibels(try #require(file.header.quality).medianNMSE))
        }
        #expect(abs(medians[0] - (-20)) < 1.5, "\(medians)")
        // The exact model's error is below what 64 entries can resolve: the map sits at the floor, share/√N = 9 dB
        // below the share.
        #expect(medians[1] < -20 - decibels(8) + 1.5, "\(medians)")
    }
}
