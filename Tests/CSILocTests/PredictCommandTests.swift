import ArgumentParser
import CSIChannel
import Foundation
import NumpyArchive
import Testing

@testable import csiloc

@Suite struct PredictCommandTests {
    /// `csiloc predict` writes the model's channels as a dataset at the given positions, in their order: they
    /// match the simulator (the model is exact on the tiny scene) and the positions are copied; a grid over the
    /// model's training region has the expected size; an absurd grid is refused before anything is allocated.
    @Test func predictWritesTheModelsChannelsAsADataset() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try simulateTiny(dir, points: 400)
        let model = "\(dir)/tiny.csimodel"
        try Train.parse(["--data", data, "--out", model, "--model", "physics", "--max-paths", "2"]).run()
        let test = "\(dir)/test.npz"
        try Simulate.parse(["--scene", tinyScene, "--points", "50", "--seed", "9", "--out", test, "--quiet"]).run()
        let out = "\(dir)/predicted.npz"
        try Predict.parse(["--model", model, "--positions", test, "--out", out]).run()
        let truth = try CSIDataset.load(contentsOf: test), predicted = try CSIDataset.load(contentsOf: out)
        #expect(predicted.positions == truth.positions)
        let scale = truth.csi.map(abs).max()!
        #expect(zip(predicted.csi, truth.csi).allSatisfy { abs($0 - $1) <= 1e-4 * scale })
        let grid = "\(dir)/grid.npz"
        try Predict.parse(["--model", model, "--grid", "0.1", "--out", grid]).run()
        let g = try CSIDataset.load(contentsOf: grid)
        // The model's training region is the bounding box of its (flat) survey.
        let survey = try CSIDataset.load(contentsOf: data).positions
        let region = Region(
            x: survey.map(\.x).min()!...survey.map(\.x).max()!, y: survey.map(\.y).min()!...survey.map(\.y).max()!,
            z: survey[0].z...survey[0].z)
        #expect(g.count == PositionSampler.gridCount(in: region, spacing: 0.1))
        #expect(throws: (any Error).self) {
            try Predict.parse(["--model", model, "--grid", "1e-300", "--out", grid]).run()
        }
        #expect(throws: (any Error).self) { try Predict.parse(["--model", model, "--out", grid]).validate() }
    }
}
