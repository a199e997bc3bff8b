import Foundation
import Testing

@testable import CSIChannel
@testable import CSIModel

@Suite struct ModelTrainerTests {
    static func tinyScene() throws -> Scene {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try Scene.load(contentsOf: root.appendingPathComponent("etc/scenes/tiny-los.yaml").path)
    }

    /// `--model inr` (default start): the image-source fit runs first, the MB-INR is warm-started from its paths
    /// and trained on the full channels; the file is a network alone (kind `inr`, no physics part), records the
    /// start, and reconstructs independent test points.
    @Test func inrAloneWarmStartedFromTheFit() throws {
        let scene = try Self.tinyScene()
        let train = ImageSourceFitterTests.dataset(scene, count: 600, seed: 1)
        let test = ImageSourceFitterTests.dataset(scene, count: 200, seed: 2)
        var options = ModelTrainer.Options()
        options.kind = .inr
        options.preset = .small
        options.maxPaths = 3
        options.inrWarmStartSampleVisits = 100_000 // test speed (debug build); the default is 250 000
        // An epoch budget, not a wall-clock one: the result must not depend on how busy CI's cores are
        // (with `minutes: 0.25` a loaded runner stopped at -19.2 dB).
        options.maxEpochs = 40
        let file = try ModelTrainer(options: options).train(dataset: train)
        #expect(file.header.kind == "inr")
        #expect(file.header.physics == nil)
        #expect(file.header.decisions.contains { $0.contains("warm start from the image-source fit") })
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csiloc-inr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("inr.csimodel").path
        try file.write(to: path)
        let loaded = try ModelLoader.load(contentsOf: path)
        let err = ChannelError.measure(loaded.model, positions: test.positions, reference: test.csi.map(Double.init))
        print("inr alone: test NMSE", err.nmseDB, "epochs", file.header.neural?["epochs"] ?? "")
        #expect(err.nmseDB < -20, "test NMSE \(err.nmseDB) dB")
        #expect(Int(file.header.neural?["epochs"] ?? "") ?? .max <= 40)
    }

    /// `--inr-start data` skips the fit: the decision names the data pre-fit.
    @Test func inrDataStartSkipsTheFit() throws {
        let scene = try Self.tinyScene()
        let train = ImageSourceFitterTests.dataset(scene, count: 300, seed: 1)
        var options = ModelTrainer.Options()
        options.kind = .inr
        options.preset = .small
        options.inrStart = .data
        options.minutes = 0.05
        let file = try ModelTrainer(options: options).train(dataset: train)
        #expect(file.header.kind == "inr")
        #expect(file.header.decisions.contains { $0.contains("pre-fit from the data") })
        #expect(!file.header.decisions.contains { $0.contains("image-source fit") })
    }

    /// A survey on one plane is flagged (log and model file); one that spans heights is not.
    @Test func flatSurveyIsToldAndRecorded() throws {
        var scene = try Self.tinyScene()
        let flat = ImageSourceFitterTests.dataset(scene, count: 200, seed: 1)
        let note = try #require(ModelTrainer.flatSurveyNote(flat))
        #expect(
            note.contains("z = \(String(format: "%.3f", scene.ueRegion.z.lowerBound)) m") && note.contains("mirror"))
        // Within λ/4 still flat (with its half-span given); beyond, not.
        let lambda = speedOfLight / flat.carrier
        var nearly = flat
        nearly.positions[0].z += lambda / 5
        #expect(ModelTrainer.flatSurveyNote(nearly)?.contains("±") == true)
        scene.ueRegion = Region(x: scene.ueRegion.x, y: scene.ueRegion.y, z: 0...0.5)
        #expect(ModelTrainer.flatSurveyNote(ImageSourceFitterTests.dataset(scene, count: 200, seed: 1)) == nil)
        var options = ModelTrainer.Options()
        options.kind = .physics
        options.maxPaths = 3
        var lines: [String] = []
        let file = try ModelTrainer(options: options).train(dataset: flat, log: { lines.append($0) })
        #expect(file.header.decisions.last == note)
        #expect(lines.contains { $0.hasPrefix("train: WARNING: flat survey") })
    }
}
