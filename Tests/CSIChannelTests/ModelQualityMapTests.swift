import CSIChannel
import Foundation
import Testing

/// `ModelQualityMap`: the grid rule, the per-cell statistics and the lookup, against hand computations.
@Suite struct ModelQualityMapTests {
    @Test func theGridHoldsAboutTwentySamplesPerCellAndSquareCells() {
        // 24 × 12 evenly spaced samples over 2 m × 1 m: 288 / 20 = 14 cells wanted; side √(2/14) = 0.378 m →
        // round(2/0.378) = 5 by round(1/0.378) = 3 = 15 > 14, so the axis with the smaller cells (y: 1/3 m) loses one.
        var positions: [Point3] = []
        for j in 0..<12 {
            for i in 0..<24 { positions.append(Point3((Double(i) + 0.5) / 12, (Double(j) + 0.5) / 12, 1)) }
        }
        let ratios = positions.map { $0.x < 1 ? 0.01 : 0.1 }
        let m = ModelQualityMap.build(
            positions: positions, ratios: ratios, lower: Point3(0, 0, 1), upper: Point3(2, 1, 1))!
        #expect(m.shape == [5, 2, 1])
        #expect(abs(m.cell[0] - 0.4) < 1e-12 && abs(m.cell[1] - 0.5) < 1e-12)
        // Each cell's value is the mean of the samples inside it (every cell has ≥ 20 of its own: no pooling).
        for j in 0..<2 {
            for i in 0..<5 {
                let inside = positions.indices.filter { p in
                    Int(positions[p].x / 0.4) == i && Int(positions[p].y / 0.5) == j
                }
                let mean = inside.map { ratios[$0] }.reduce(0, +) / Double(inside.count)
                #expect(inside.count >= 20)
                #expect(abs(m.nmse[m.index(i, j, 0)] - mean) < 1e-15)
                #expect(m.samples[m.index(i, j, 0)] == inside.count)
            }
        }
    }

    @Test func aCellPoolsItsNeighboursWhenItHasTooFewSamples() {
        // 40 samples in the left half of a 2 m × 1 m box, 1 in the right: 2 cells; the right one pools the left's.
        var positions = (0..<40).map { Point3(0.5 + Double($0) / 100, 0.5, 1) }
        positions.append(Point3(1.5, 0.5, 1))
        let ratios = positions.map { $0.x < 1 ? 0.01 : 1 }
        let fooled = positions.map { $0.x > 1 || $0.x < 0.545 } // the right sample and 5 on the left
        let m = ModelQualityMap.build(
            positions: positions, ratios: ratios, fooled: fooled, lower: Point3(0, 0, 1), upper: Point3(2, 1, 1))!
        #expect(m.shape == [2, 1, 1])
        #expect(m.samples == [40, 41])
        #expect(abs(m.nmse[1] - (40 * 0.01 + 1) / 41) < 1e-15)
        #expect(m.ambiguity == [5.0 / 40, 6.0 / 41])
    }

    @Test func theLogSpreadAndTheQuantileFollowTheirDefinitions() {
        let m = ModelQualityMap.build(
            positions: [Point3(0, 0, 0), Point3(0, 0, 0)], ratios: [1e-2, 1e-4],
            lower: Point3(0, 0, 0), upper: Point3(0, 0, 0), minimumSamples: 2)!
        #expect(m.shape == [1, 1, 1])
        #expect(abs(m.nmse[0] - 0.00505) < 1e-15)
        // Sample standard deviation of {ln 1e-2, ln 1e-4}: |Δ|/√2 = 2 ln 10 / √2.
        #expect(abs(m.logSpread[0] - 2 * log(10) / 2.squareRoot()) < 1e-12)
        // Log-normal with mean m and log-sd s: median m·e^{−s²/2}; the quantile at z adds z·s in the log.
        let q = ModelQualityMap.quantile(nmse: 0.1, logSpread: 0.5, sigmas: 2)
        #expect(abs(log(q) - (log(0.1) - 0.125 + 1)) < 1e-12)
    }

    @Test func theLookupIsTheCellValueAtCentresAndLinearBetweenThem() {
        let m = ModelQualityMap(
            lower: [0, 0, 1], cell: [1, 1, 1], shape: [2, 1, 1], nmse: [0.01, 0.03], logSpread: [0.2, 0.4],
            ambiguity: [0, 1], samples: [20, 20])
        #expect(m.local(at: Point3(0.5, 0.5, 1)).nmse == 0.01)
        #expect(m.local(at: Point3(-3, 0.9, 1)).nmse == 0.01) // beyond the first centre: constant
        #expect(m.local(at: Point3(7, 0.1, 1)).nmse == 0.03)
        let mid = m.local(at: Point3(1.25, 0.5, 1)) // 3/4 of the way between the centres
        #expect(abs(mid.nmse - 0.025) < 1e-15 && abs(mid.logSpread - 0.35) < 1e-15 && abs(mid.ambiguity - 0.75) < 1e-15)
        #expect(m.local(at: Point3(.nan, 0.5, 1)).nmse == 0.01)
    }

    @Test func threeDimensionalBoxesGetLayers() {
        // 2 m × 2 m × 1 m, 400 samples: 20 cells of side (4/20)^(1/3) = 0.585 m → 3 × 3 × 2 = 18.
        let positions = PositionSampler.uniform(in: Region(x: 0...2, y: 0...2, z: 0...1), count: 400, seed: 1)
        let m = ModelQualityMap.build(
            positions: positions, ratios: positions.map { 0.001 * (1 + $0.z) },
            lower: Point3(0, 0, 0), upper: Point3(2, 2, 1))!
        #expect(m.shape == [3, 3, 2])
        #expect(m.nmse[m.index(1, 1, 1)] > m.nmse[m.index(1, 1, 0)])
    }
}
