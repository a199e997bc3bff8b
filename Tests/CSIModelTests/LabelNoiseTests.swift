import CSINumerics
import Testing

@testable import CSIChannel
@testable import CSIModel

@Suite struct LabelNoiseTests {
    /// Channels measured at x + δ but labelled x, with the exact model (the simulator): the per-sample
    /// least-squares fit of the residual by J·δ recovers the label error's RMS (1 mm per axis injected), and the
    /// corrected error is far below the measured one (what is left is second order in kδ); with exact labels both
    /// are at the float floor.
    @Test func positionErrorsAreToldApartFromModelError() {
        let scene = NuisanceTrainingTests.scene
        let sim = ChannelSimulator(scene: scene)
        let labels = PositionSampler.uniform(in: scene.ueRegion, count: 400, seed: 3)
        var rng = SeededGenerator(seed: 4, stream: 1)
        let truths = labels.map { $0 + Point3(0.001 * rng.nextGaussian(), 0.001 * rng.nextGaussian(), 0) }
        let data = sim.channels(at: truths)
        let estimate = LabelNoise.estimate(model: sim, positions: labels, data: data, dimensions: 2)
        #expect(abs(estimate.rms - 0.001) < 0.0001, "\(estimate)")
        #expect(estimate.measuredNMSEDB > -40 && estimate.correctedNMSEDB < estimate.measuredNMSEDB - 20, "\(estimate)")
        let exact = LabelNoise.estimate(model: sim, positions: labels, data: sim.channels(at: labels), dimensions: 2)
        #expect(exact.rms < 1e-9 && exact.measuredNMSEDB < -200)
    }
}
