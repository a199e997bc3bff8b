public import CSIChannel
public import CSIModel
import CSINumerics
import CSIPlot
import Foundation

/// `csiloc eval --map`: where a model is good and where it is poor — the per-region NMSE map recorded at training
/// (validation samples) and the same grid measured on a test dataset, as text tables and an SVG heatmap
/// (docs/model.md, "Quality map").
public struct QualityMapReport: Sendable {
    /// The map recorded in the model file (nil for files written before it was recorded).
    public var validation: ModelQualityMap?
    /// The map measured on the dataset, on the recorded map's grid (or a grid by the same rule).
    public var test: ModelQualityMap?
    /// The dataset's path.
    package var data: String

    /// Measures `loaded` on `dataset` per region (nuisance-invariant when the model has a nuisance): on the recorded
    /// map's grid when there is one, else on a grid chosen by the training rule over the model's training box.
    public static func run(
        model loaded: LoadedModel, dataset: CSIDataset, data: String
    ) throws(EvaluationError) -> QualityMapReport {
        try ReconstructionEvaluation.checkCompatible(loaded, dataset, data)
        let reference = dataset.csi.map(Double.init)
        let (e, n) = reference.withUnsafeBufferPointer {
            ChannelError.perLocation(
                loaded.model, positions: dataset.positions, reference: $0, nuisance: loaded.nuisance)
        }
        // Net of the test set's reported noise, as the recorded map is of the survey's.
        let ratios = QualityMeasurement.netOfNoise(
            zip(e, n).map { $1 > 0 ? $0 / $1 : Double.nan }, reportedSNRdB: dataset.reportedSNRdB,
            entries: dataset.antennaCount * dataset.subcarrierCount, nuisance: loaded.nuisance)
        let t = loaded.header.training
        let lower = Point3(t.boundsMin[0], t.boundsMin[1], t.boundsMin[2]),
            upper = Point3(t.boundsMax[0], t.boundsMax[1], t.boundsMax[2])
        let test: ModelQualityMap?
        if let recorded = loaded.header.quality {
            test = measure(on: recorded, positions: dataset.positions, ratios: ratios)
        } else {
            test = ModelQualityMap.build(positions: dataset.positions, ratios: ratios, lower: lower, upper: upper)
        }
        return QualityMapReport(validation: loaded.header.quality, test: test, data: data)
    }

    /// The NMSE per cell of `grid` from samples that fall in it (no pooling: a cell without test samples has 0
    /// samples and NaN NMSE).
    static func measure(on grid: ModelQualityMap, positions: [Point3], ratios: [Double]) -> ModelQualityMap {
        var sums = [Double](repeating: 0, count: grid.cellCount),
            logs = [[Double]](repeating: [], count: grid.cellCount)
        for (p, r) in zip(positions, ratios) where r.isFinite && r >= 0 {
            let (i, j, k) = grid.cellIndices(of: p)
            let c = grid.index(i, j, k)
            sums[c] += r; logs[c].append(Foundation.log(max(r, 1e-30)))
        }
        var out = grid
        out.samples = logs.map(\.count)
        out.nmse = zip(sums, logs).map { $1.isEmpty ? .nan : $0 / Double($1.count) }
        out.logSpread = logs.map { l in
            guard l.count > 1 else { return 0 }
            let m = l.reduce(0, +) / Double(l.count)
            return (l.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(l.count - 1)).squareRoot()
        }
        return out
    }

    /// Text tables, one per height layer: NMSE in dB per cell, rows from high y (top) to low y, columns by x.
    static func table(_ map: ModelQualityMap, title: String) -> [String] {
        let (nx, ny, nz) = (map.shape[0], map.shape[1], map.shape[2])
        var lines = [
            String(
                format: "%@: %d × %d × %d cells of %.2f × %.2f × %.2f m; NMSE dB per cell (samples in brackets)",
                title, nx, ny, nz, map.cell[0], map.cell[1], map.cell[2])
        ]
        for k in 0..<nz {
            if nz > 1 { lines.append(String(format: "  z = %.2f m", map.center(0, 0, k).z)) }
            lines.append("  y \\ x   " + (0..<nx).map { String(format: "%12.2f", map.center($0, 0, k).x) }.joined())
            for j in (0..<ny).reversed() {
                let cells = (0..<nx).map { i -> String in
                    let c = map.index(i, j, k)
                    guard map.nmse[c].isFinite, map.samples[c] > 0 else {
                        return String(repeating: " ", count: 11) + "–"
                    }
                    return String(format: "%7.1f", decibels(map.nmse[c]))
                        + String(format: "%-5@", "(\(map.samples[c]))")
                }
                lines.append(String(format: "  %7.2f ", map.center(0, j, k).y) + cells.joined())
            }
        }
        return lines
    }

    /// The report's tables.
    public var lines: [String] {
        var out: [String] = []
        if let validation {
            out += Self.table(validation, title: "validation (recorded at training)")
        } else {
            out.append("validation: the model file records no quality map (trained before csiloc recorded one)")
        }
        if let test { out += Self.table(test, title: "test (\(data))") }
        return out
    }

    /// A heatmap panel per map and height layer (NMSE dB on one colour scale).
    public var svg: String {
        var panels: [Heatmap] = []
        let maps = [("validation", validation), ("test", test)].compactMap { name, m in m.map { (name, $0) } }
        let all = maps.flatMap { $0.1.nmse.filter { $0.isFinite && $0 > 0 }.map(decibels) }
        let range = (all.min() ?? -30)...max(all.max() ?? 0, (all.min() ?? -30) + 1)
        for (name, map) in maps {
            let (nx, ny, nz) = (map.shape[0], map.shape[1], map.shape[2])
            // Enough pixels per cell for a readable figure whatever the grid.
            let scale = max(1, 240 / max(nx, ny))
            for k in 0..<nz {
                var values: [Double] = []
                for row in 0..<(ny * scale) {
                    let j = ny - 1 - row / scale
                    for col in 0..<(nx * scale) {
                        let c = map.index(col / scale, j, k)
                        values.append(
                            map.nmse[c].isFinite && map.nmse[c] > 0 && map.samples[c] > 0 ? decibels(map.nmse[c]) : .nan
                        )
                    }
                }
                let layer = nz > 1 ? String(format: ", z = %.2f m", map.center(0, 0, k).z) : ""
                panels.append(
                    Heatmap(
                        width: nx * scale, height: ny * scale, values: values, colorMap: .magnitude,
                        title: "\(name) NMSE\(layer)", range: range))
            }
        }
        let lo = validation?.lower ?? test?.lower ?? [0, 0, 0]
        let caption = String(
            format:
                "NMSE per cell, dB: dark %.1f … bright %.1f; x right from %.2f m, y up from %.2f m; cells without samples are drawn at the low end (– in the table)",
            range.lowerBound, range.upperBound, lo[0], lo[1])
        return FigureSVG.panels(panels, caption: caption, pixel: 1)
    }
}
