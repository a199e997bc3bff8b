import Foundation
import Testing

@testable import CSIChannel
@testable import CSIModel

@Suite struct HybridModelFileTests {
    /// A hybrid (physics + network) file written by the trainer's code path loads back through `ModelLoader`
    /// with bit-identical outputs, and its physics part matches the stand-alone physics model.
    @Test func hybridRoundTripIsBitIdentical() throws {
        let physics = sampleModel(.spherical)
        let positions = (0..<64).map { Point3(-0.5 + Double($0 % 8) * 0.14, -0.5 + Double($0 / 8) * 0.14, 1) }
        let geometry = NeuralGeometry(
            antennas: physics.antennaPositions, frequencies: physics.frequencies,
            referenceFrequency: physics.carrier, positions: positions)
        let net = try MBINR<Float>(configuration: NeuralPreset.small.mbinr(geometry: geometry), seed: 3)
        var file = ModelFileTests.sampleFile()
        let report = TrainingReport(
            stop: .epochs, epochsRun: 0, bestEpoch: 0, seconds: 0,
            trainNMSE: NMSE(meanDB: 0, ratioOfSumsDB: 0, count: 0),
            validationNMSE: NMSE(meanDB: 0, ratioOfSumsDB: 0, count: 0), samplesPerSquareWavelength: 1)
        try NeuralStage.attach(network: net, to: &file, kind: "hybrid", report: report)
        file.header.scale = physics.scale
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csiloc-hybrid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("h.csimodel").path
        try file.write(to: path)
        let loaded = try ModelLoader.load(contentsOf: path)
        #expect(loaded.header.kind == "hybrid")
        let direct = NeuralChannelModel(network: net, scale: physics.scale, base: physics)
        let xs = Array(positions.prefix(5))
        #expect(loaded.model.channels(at: xs) == direct.channels(at: xs))
        // The network adds something on top of the physics part.
        #expect(loaded.model.channels(at: xs) != physics.channels(at: xs))
        // Damaged neural tensors are refused with a clear message.
        var broken = file
        broken.tensors.removeLast()
        try broken.write(to: path)
        #expect(throws: ModelFileError.self) { try ModelLoader.load(contentsOf: path) }
    }
}
