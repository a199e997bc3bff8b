import Foundation

extension ModelQualityMap {
    /// Builds the map from per-sample NMSEs (`ratios[i]` = ‖H_i − Ĥ_i‖²/‖H_i‖² at `positions[i]`) over the box
    /// `lower`…`upper` (the training region), and whether the localizer's fix of each was a gross error (`fooled`;
    /// no ambiguity recorded when nil).
    ///
    /// Grid rule (docs/model.md, "Quality map"): about N / `minimumSamples` cells, square (cubic) as far as the
    /// box allows — the cell side is (volume of the spanned axes / cells)^(1/d), each spanned axis gets
    /// max(1, round(extent / side)) cells — so a denser validation set gives a finer map and every cell holds
    /// `minimumSamples` on average. An axis the box does not span (a flat survey) gets one cell. A cell with fewer
    /// samples than `minimumSamples` pools the rings of cells around it until it has them.
    /// Returns nil when there are no usable samples.
    public static func build(
        positions: [Point3], ratios: [Double], fooled: [Bool]? = nil, lower: Point3, upper: Point3,
        minimumSamples: Int = defaultMinimumSamples
    ) -> ModelQualityMap? {
        let usable = positions.indices.filter {
            ratios[$0].isFinite && ratios[$0] >= 0 && positions[$0].x.isFinite
                && positions[$0].y.isFinite && positions[$0].z.isFinite
        }
        guard !usable.isEmpty, minimumSamples >= 1 else { return nil }
        let extent = (0..<3).map { max(0, upper[$0] - lower[$0]) }
        let spanned = (0..<3).filter { extent[$0] > 1e-9 }
        let target = min(maxCells, max(1, usable.count / minimumSamples))
        var shape = [1, 1, 1]
        if !spanned.isEmpty {
            let volume = spanned.reduce(1.0) { $0 * extent[$1] }
            let side = Foundation.pow(volume / Double(target), 1 / Double(spanned.count))
            for a in spanned { shape[a] = max(1, Int((extent[a] / side).rounded())) }
            // Rounding may overshoot the target: take cells off the axis with the smallest cells.
            while shape.reduce(1, *) > target,
                let a = spanned.filter({ shape[$0] > 1 }).min(by: {
                    extent[$0] / Double(shape[$0]) < extent[$1] / Double(shape[$1])
                })
            {
                shape[a] -= 1
            }
        }
        let cell = (0..<3).map { shape[$0] > 1 || extent[$0] > 1e-9 ? extent[$0] / Double(shape[$0]) : 1.0 }
        var map = ModelQualityMap(
            lower: [lower.x, lower.y, lower.z], cell: cell, shape: shape, nmse: [], logSpread: [],
            ambiguity: fooled == nil ? nil : [], samples: [])
        // Samples per cell.
        var members = [[Int]](repeating: [], count: map.cellCount)
        for i in usable {
            let (a, b, c) = map.cellIndices(of: positions[i])
            members[map.index(a, b, c)].append(i)
        }
        for k in 0..<shape[2] {
            for j in 0..<shape[1] {
                for i in 0..<shape[0] {
                    var pooled: [Int] = []
                    var ring = 0
                    while true {
                        pooled = []
                        for kk in max(0, k - ring)...min(shape[2] - 1, k + ring) {
                            for jj in max(0, j - ring)...min(shape[1] - 1, j + ring) {
                                for ii in max(0, i - ring)...min(shape[0] - 1, i + ring) {
                                    pooled += members[map.index(ii, jj, kk)]
                                }
                            }
                        }
                        if pooled.count >= minimumSamples || pooled.count == usable.count { break }
                        ring += 1
                    }
                    let r = pooled.map { ratios[$0] }
                    let mean = r.reduce(0, +) / Double(r.count)
                    let logs = r.map { Foundation.log(max($0, 1e-30)) }
                    let logMean = logs.reduce(0, +) / Double(logs.count)
                    let variance =
                        logs.reduce(0) { $0 + ($1 - logMean) * ($1 - logMean) } / Double(max(1, logs.count - 1))
                    map.nmse.append(mean)
                    map.logSpread.append(variance.squareRoot())
                    if let fooled {
                        map.ambiguity?.append(Double(pooled.filter { fooled[$0] }.count) / Double(pooled.count))
                    }
                    map.samples.append(pooled.count)
                }
            }
        }
        return map
    }
}
