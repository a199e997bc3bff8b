import CSIChannel
import CSIEvaluation
import CSISearch
import Foundation
import Testing

/// Added noise is reported to the localizer (as a receiver's header would) and the report says where each fix's
/// noise level came from.
struct RunnerReportedSNRTests {
    @Test func noisyPassesReportTheirSNRAndTheReportCountsTheSources() throws {
        let oracle = EvaluationModel.oracle(tinyScene)
        let sim = ChannelSimulator(scene: tinyScene)
        let clean = TestSet.simulate(sim, count: 12, seed: 3)
        let noisy = clean.withNoise(
            snrDB: 20, seed: 4, antennas: sim.antennaCount, frequencies: sim.frequencies,
            carrier: tinyScene.subcarriers.carrier)
        #expect(clean.reportedSNRdB == nil && noisy.reportedSNRdB == [Double](repeating: 20, count: 12))
        let wavelength = tinyScene.subcarriers.wavelength
        for (test, source) in [(clean, NoiseSource.estimated), (noisy, .reported)] {
            let result = try LocalizationRunner.run(
                name: "robust", model: oracle.model, region: oracle.region,
                configuration: SearchMethod.robust.configuration, test: test, width: 2)
            #expect(result.fixes?.allSatisfy { $0.noiseSource == source } == true, "\(source)")
            let lines = LocalizationReport.summary(result, wavelength: wavelength, los: test.los)
            #expect(lines.last?.hasSuffix("; noise level: 12 \(source.rawValue)") == true, "\(lines)")
            let json = try ReportJSON.encode(MethodReport(result, wavelength: wavelength, los: test.los))
            #expect(json.contains("\"noise_sources\":{\"\(source.rawValue)\":12}"), "\(json)")
        }
    }
}
