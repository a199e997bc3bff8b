import ArgumentParser
import CSIChannel
import CSIEvaluation
import CSIModel
import Foundation
import Testing

@testable import csiloc

@Suite struct EvalMapCommandTests {
    /// `csiloc train` records the quality map; `csiloc eval --map` measures the same grid on a test set and draws
    /// it. The test map's cells are checked against an independent per-cell mean of ‖H − f(x)‖²/‖H‖² computed here
    /// from the model's channels and the dataset.
    @Test func trainRecordsTheMapAndEvalMapMeasuresItOnATestSet() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try simulateTiny(dir, points: 800)
        let model = "\(dir)/tiny.csimodel"
        try Train.parse(["--data", data, "--out", model, "--model", "physics", "--max-paths", "2"]).run()
        let loaded = try ModelLoader.load(contentsOf: model)
        let recorded = try #require(loaded.header.quality)
        // 80 validation samples over a flat 1 m² box: 80 / 20 = 4 cells of 0.5 m.
        #expect(recorded.shape == [2, 2, 1] && recorded.samples.allSatisfy { $0 >= 20 })
        let test = "\(dir)/test.npz"
        try Simulate.parse(["--scene", tinyScene, "--points", "300", "--seed", "11", "--out", test, "--quiet"]).run()
        let svg = "\(dir)/map.svg"
        try Eval.parse(["--model", model, "--data", test, "--map", svg]).run()
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(text.hasPrefix("<svg") && text.contains("validation NMSE") && text.contains("test NMSE"))

        let dataset = try CSIDataset.load(contentsOf: test)
        let report = try QualityMapReport.run(model: loaded, dataset: dataset, data: test)
        let map = try #require(report.test)
        #expect(map.shape == recorded.shape && map.lower == recorded.lower)
        let stride = 2 * dataset.antennaCount * dataset.subcarrierCount
        let predicted = loaded.model.channels(at: dataset.positions)
        var sums = [Double](repeating: 0, count: map.cellCount), counts = [Int](repeating: 0, count: map.cellCount)
        for (n, p) in dataset.positions.enumerated() {
            var e = 0.0, h2 = 0.0
            for t in 0..<stride {
                let h = Double(dataset.csi[n * stride + t])
                e += (predicted[n * stride + t] - h) * (predicted[n * stride + t] - h); h2 += h * h
            }
            let i = min(map.shape[0] - 1, max(0, Int(((p.x - map.lower[0]) / map.cell[0]).rounded(.down))))
            let j = min(map.shape[1] - 1, max(0, Int(((p.y - map.lower[1]) / map.cell[1]).rounded(.down))))
            sums[j * map.shape[0] + i] += e / h2; counts[j * map.shape[0] + i] += 1
        }
        for c in 0..<map.cellCount {
            #expect(map.samples[c] == counts[c])
            #expect(abs(map.nmse[c] - sums[c] / Double(counts[c])) <= 1e-9 * sums[c] / Double(counts[c]) + 1e-300)
        }
        #expect(
            report.lines.contains { $0.hasPrefix("test (") }
                && report.lines.contains { $0.hasPrefix("validation (recorded") })
    }
}
