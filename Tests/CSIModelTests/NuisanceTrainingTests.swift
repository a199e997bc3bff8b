import CSINumerics
import Foundation
import Numerics
import Testing

@testable import CSIChannel
@testable import CSIModel

/// Training on unsynchronised surveys: every frame with its own gain, common phase and timing offset.
@Suite struct NuisanceTrainingTests {
    /// Direct path + wall reflection seen by an 8-element line array 6 m away, 8 subcarriers over 100 MHz.
    static let scene = Scene(
        name: "two-path", array: .ula(count: 8, spacing: 0.0428, center: Point3(-6, 0.5, 3), axis: Point3(0, 1, 0)),
        subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 1e8, count: 8),
        planes: [
            ReflectingPlane(
                name: "wall", point: Point3(0, 4, 0), normal: Point3(0, -1, 0), reflection: Complex(-0.6, 0.1))
        ],
        maxReflectionOrder: 1, ueRegion: Region(x: -1...1, y: -1...1, z: 1...1))

    /// The scene's survey with `impairments` applied frame by frame (seeded).
    static func survey(_ impairments: Impairments, count: Int, seed: UInt64, region: Region? = nil) -> CSIDataset {
        var scene = Self.scene
        if let region { scene.ueRegion = region }
        var data = ImageSourceFitterTests.dataset(scene, count: count, seed: seed)
        var rng = SeededGenerator(seed: seed, stream: 99)
        let stride = data.valuesPerSample
        let (na, freqs, carrier) = (data.antennaCount, data.frequencies, data.carrier)
        var csi = data.csi
        csi.withUnsafeMutableBufferPointer { csi in
            for m in 0..<count {
                impairments.apply(
                    to: UnsafeMutableBufferPointer(rebasing: csi[(m * stride)..<((m + 1) * stride)]),
                    antennas: na, frequencies: freqs, carrier: carrier, rng: &rng)
            }
        }
        data.csi = csi
        return data
    }

    static var unsynchronised: Impairments {
        var i = Impairments()
        i.randomCommonPhase = true
        i.maxTimingOffset = 5e-9
        i.gainStdDB = 1
        return i
    }

    /// Random α_i, τ_i on every frame: the variable-projection fit finds both image sources blind, within a
    /// millimetre, their gain ratio as simulated (the convention fixes only the common factor), and the model
    /// matches clean held-out channels to < −40 dB once each is allowed its own gain, phase and timing offset.
    @Test func twoPathSceneIsRecoveredFromUnsynchronisedFrames() {
        let data = Self.survey(Self.unsynchronised, count: 500, seed: 3)
        var options = ImageSourceFitter.Options()
        options.tryPlaneWave = false
        options.candidatesPerPath = 2
        options.nuisance = .phaseGainAndTiming
        let result = ImageSourceFitterTests.fitTwoPaths(data, options)
        #expect(result.model.sources.count == 2, "\(result.decisions)")
        let expected = [Self.scene.array.center, Point3(-6, 7.5, 3)]
        for e in expected {
            #expect(
                result.model.sources.contains { ($0.center - e).length < 1e-3 },
                "no source near \(e): \(result.model.sources.map(\.center))")
        }
        if result.model.sources.count == 2 {
            let direct = result.model.sources.min {
                ($0.center - expected[0]).length < ($1.center - expected[0]).length
            }!
            let wall = result.model.sources.min { ($0.center - expected[1]).length < ($1.center - expected[1]).length }!
            let ratio = wall.gain / direct.gain
            #expect((ratio - Complex(-0.6, 0.1)).length < 1e-3, "gain ratio \(ratio)")
        }
        let test = ImageSourceFitterTests.dataset(Self.scene, count: 200, seed: 4)
        let err = ChannelError.measure(
            result.model, positions: test.positions, reference: test.csi.map(Double.init),
            nuisance: .phaseGainAndTiming)
        #expect(err.nmseDB < -40, "invariant test NMSE \(err.nmseDB) dB")
    }

    /// The same survey fitted as if it were phase-coherent explains nothing: the trainer says so (an error with
    /// advice) instead of writing a 0 dB model.
    @Test func aFitThatExplainsNothingIsAnError() {
        let data = Self.survey(Self.unsynchronised, count: 300, seed: 5)
        var options = ModelTrainer.Options()
        options.kind = .physics
        options.maxPaths = 2
        options.nuisance = NuisanceModel.none
        #expect {
            _ = try ModelTrainer(options: options).train(dataset: data)
        } throws: { error in
            "\(error)".contains("explains nothing") && "\(error)".contains("--nuisance")
        }
    }

    /// Auto detection on small, dense surveys (2 000 points on 0.5 m × 0.5 m, enough pairs closer than λ/4):
    /// each class of unknowns is told apart.
    @Test func detectorTellsEachNuisanceClassApart() {
        let patch = Region(x: -0.25...0.25, y: -0.25...0.25, z: 1...1)
        var phase = Impairments(); phase.randomCommonPhase = true
        var gain = Impairments(); gain.gainStdDB = 2
        var noisy = Impairments(); noisy.snrDB = 20
        var noisyTiming = Self.unsynchronised; noisyTiming.snrDB = 20
        let cases: [(Impairments, NuisanceModel)] = [
            (Impairments(), .none), (noisy, .none), (phase, .phaseAndGain), (gain, .phaseAndGain),
            (Self.unsynchronised, .phaseGainAndTiming), (noisyTiming, .phaseGainAndTiming),
        ]
        for (i, (impairments, expected)) in cases.enumerated() {
            let finding = NuisanceDetector().detect(
                Self.survey(impairments, count: 2000, seed: UInt64(10 + i), region: patch))
            #expect(finding.decided && finding.nuisance == expected, "case \(i): \(finding)")
        }
        // A coherent survey at survey density (pairs up to λ/4 apart, where the field itself changes): none.
        let wide = Region(x: -3...3, y: -3...3, z: 1...1)
        for (i, impairments) in [Impairments(), noisy].enumerated() {
            let finding = NuisanceDetector().detect(
                Self.survey(impairments, count: 2000, seed: UInt64(30 + i), region: wide))
            #expect(finding.nuisance == .none, "coherent sparse case \(i): \(finding)")
        }
        // Too sparse to tell: undecided, and says so.
        let sparse = NuisanceDetector().detect(Self.survey(Self.unsynchronised, count: 30, seed: 1))
        #expect(!sparse.decided && sparse.nuisance == .none && sparse.description.contains("too few"))
    }

    /// The trainer records the survey's nuisance in the model file, measures validation with it, and the loader
    /// hands it to localizers.
    @Test func modelFileRecordsTheNuisance() throws {
        let data = Self.survey(Self.unsynchronised, count: 400, seed: 6)
        var options = ModelTrainer.Options()
        options.kind = .physics
        options.maxPaths = 2
        options.nuisance = .phaseGainAndTiming
        let file = try ModelTrainer(options: options).train(dataset: data)
        #expect(file.header.nuisance == "phase-gain-timing")
        #expect(file.header.validation.nmseDB < -40)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nuisance-\(getpid()).csimodel").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try file.write(to: path)
        #expect(try ModelLoader.load(contentsOf: path).nuisance == .phaseGainAndTiming)
        // A crafted header (the trailer is only a checksum) naming an unknown nuisance is rejected, naming it.
        var crafted = file
        crafted.header.nuisance = "phase-only-please"
        try crafted.write(to: path)
        #expect {
            _ = try ModelLoader.load(contentsOf: path)
        } throws: { "\($0)".contains("unknown nuisance 'phase-only-please'") }
    }
}
