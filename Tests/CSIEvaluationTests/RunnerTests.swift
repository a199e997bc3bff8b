import CSIChannel
import CSIEvaluation
import CSISearch
import Foundation
import Testing

/// The localization runner and the command engines on the tiny scene, scored against independent
/// computations of the same figures.
struct RunnerTests {
    @Test func oracleLocalizesSimulatedPointsAndScoresThem() throws {
        let oracle = EvaluationModel.oracle(tinyScene)
        let sim = ChannelSimulator(scene: tinyScene)
        let test = TestSet.simulate(sim, count: 30, seed: 3)
        let result = try LocalizationRunner.run(
            name: "robust", model: oracle.model, region: oracle.region,
            configuration: SearchMethod.robust.configuration, test: test, width: 2)
        #expect(result.estimates.count == 30 && result.fixes?.count == 30 && result.threads == 2)
        // Errors are the distances to the truth (3-D: the tiny scene's region is a volume or a plane).
        for (i, e) in result.errors.enumerated() {
            var d = result.estimates[i] - test.positions[i]
            if oracle.region.isFlat { d.z = 0 }
            #expect(abs(e - (d * d).sum().squareRoot()) <= 1e-15)
        }
        // Exact model, clean channels: most points land within a millimetre.
        let s = result.statistics(wavelength: tinyScene.subcarriers.wavelength)
        #expect(s.median < 1e-3)
        let lines = LocalizationReport.summary(result, wavelength: tinyScene.subcarriers.wavelength, los: test.los)
        #expect(lines.first?.contains("robust n=   30") == true)
    }

    @Test func noiseIsReproducibleAndChangesTheChannels() {
        let sim = ChannelSimulator(scene: tinyScene)
        let clean = TestSet.simulate(sim, count: 5, seed: 1)
        let a = clean.withNoise(
            snrDB: 10, seed: 4, antennas: sim.antennaCount, frequencies: sim.frequencies,
            carrier: tinyScene.subcarriers.carrier)
        let b = clean.withNoise(
            snrDB: 10, seed: 4, antennas: sim.antennaCount, frequencies: sim.frequencies,
            carrier: tinyScene.subcarriers.carrier)
        #expect(a.csi == b.csi && a.csi != clean.csi && a.positions == clean.positions)
        // Per location, the noise energy is ‖H‖²/10 on average: well below the channel's own energy.
        for i in 0..<5 {
            let h: [Float] = Array(clean.channel(i))
            let n: [Float] = zip(a.channel(i), h).map { $0 - $1 }
            let noiseEnergy: Float = n.reduce(0) { $0 + $1 * $1 }, channelEnergy: Float = h.reduce(0) { $0 + $1 * $1 }
            #expect(noiseEnergy > 0 && noiseEnergy < channelEnergy)
        }
    }

    @Test func localizeEngineMatchesTheRunnerAndWritesItsReport() throws {
        let dir = try scratchDirectory("localize")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sim = ChannelSimulator(scene: tinyScene)
        let test = TestSet.simulate(sim, count: 25, seed: 8)
        let dataset = CSIDataset(
            positions: test.positions, csi: test.csi, frequencies: tinyScene.subcarriers.frequencies,
            antennas: tinyScene.array.positions, carrier: tinyScene.subcarriers.carrier)
        try dataset.write(to: dir + "/test.npz")
        var request = DatasetLocalization.Request(threads: 2)
        request.methods = [.search(.robust), .nearestNeighbours]
        request.fingerprints = dir + "/test.npz"
        request.limit = 20
        let run = try DatasetLocalization.run(data: dir + "/test.npz", model: .oracle(tinyScene), request: request)
        #expect(run.test.count == 20 && run.results.map(\.name) == ["robust", "3nn"])
        let direct = try LocalizationRunner.run(
            name: "robust", model: sim, region: tinyScene.ueRegion,
            configuration: SearchMethod.robust.configuration,
            test: TestSet(dataset: dataset, limit: 20), width: 1)
        #expect(run.results[0].estimates == direct.estimates)
        // 3-NN: the baseline's own estimates over the fingerprint set.
        let fp = FingerprintLocalizer(dataset: dataset)
        let reference = TestSet(dataset: dataset, limit: 20)
        #expect(
            run.results[1].estimates == reference.csi.withUnsafeBufferPointer { fp.locateAll($0, count: 20, width: 1) })
        let report = run.report
        #expect(report.methods.count == 2 && report.condition == "as recorded" && report.points == 20)
        #expect(run.lines[0].hasPrefix("localize: \(dir)/test.npz with oracle(tiny-los), 20 samples"))
        // Without fingerprints, 3-NN is refused with a message naming the option.
        request.fingerprints = nil
        #expect(throws: EvaluationError.self) {
            try DatasetLocalization.run(data: dir + "/test.npz", model: .oracle(tinyScene), request: request)
        }
    }

    @Test func benchmarkRunsEachMethodCleanAndNoisy() throws {
        var request = LocalizationBenchmark.Request(methods: [.search(.ongridPS), .nearestNeighbours], threads: 2)
        request.points = 20
        request.trainingPoints = 300
        request.snrDB = 10
        let bench = try LocalizationBenchmark.run(model: .oracle(tinyScene), scene: tinyScene, request: request)
        #expect(
            bench.report.methods.map { "\($0.method) \($0.condition ?? "")" } == [
                "ongrid-ps clean", "ongrid-ps 10 dB", "3nn clean", "3nn 10 dB",
            ])
        #expect(bench.entries[0].localizer != nil && bench.entries[1].localizer == nil)
        let lines = bench.lines(diagnose: false)
        #expect(lines.contains("ongrid-ps [clean]") && lines.contains("3nn [10 dB]"))
    }

    @Test func configurationPatchOverridesNamedFieldsAndNamesUnknownOnes() throws {
        let c = try ConfigurationPatch.apply(#"{"maxIterations": 7}"#, method: .robust, nuisance: .none)
        #expect(c.maxIterations == 7)
        var expected = SearchMethod.robust.configuration
        expected.maxIterations = 7
        #expect(c == expected)
        #expect(
            performing: { try ConfigurationPatch.apply(#"{"bogus": 1}"#, method: .robust, nuisance: .none) },
            throws: { ($0 as? ConfigurationPatch.PatchError)?.message.contains("'bogus'") == true })
        #expect(
            performing: { try ConfigurationPatch.apply("[1]", method: .robust, nuisance: .none) },
            throws: { ($0 as? ConfigurationPatch.PatchError)?.message.contains("JSON object") == true })
    }

    @Test func picturesDrawEverySeriesAndPoint() {
        let (r, _) = ReportJSONTests.result()
        let svg = ErrorPictures.cdf(
            [r, MethodResult(name: "other & <more>", estimates: [], errors: [], seconds: 1)],
            wavelength: 0.0857, title: "t")
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<polyline").count == 2) // the empty series draws no curve
        #expect(svg.contains(">robust</text>") && svg.contains("λ₀/2"))
        let map = ErrorPictures.map(r, truth: r.estimates, region: tinyScene.ueRegion, title: "m")
        #expect(map.components(separatedBy: "<circle").count == r.errors.count + 1)
    }
}
