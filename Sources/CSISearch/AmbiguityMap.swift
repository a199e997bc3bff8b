public import CSIChannel
import CSINumerics

/// Where the model's channel nearly repeats itself, up to the frames' nuisance, around each cell of a flat region.
///
/// Without a common phase (and timing), the cost of a frame has spurious minima wherever the phase *differences*
/// between paths wrap at once: a quasi-periodic pattern of near-repeats 10–20 cm apart on the street, whose basins
/// are as narrow as the fastest relative phase (≈ ±1 cm for paths arriving from opposite sides). A search that
/// ends in one of them is one "ambiguity vector" away from the truth. The vectors are properties of the model,
/// not of the frame: for each cell they are found once (the model's own channel at the cell centre matched, under
/// the nuisance, against a lattice of offsets, the local minima polished on a finer lattice) and the localizer
/// then tries the frame's fix plus each of its cell's vectors (docs/localization.md, "Unsynchronised frames").
struct AmbiguityMap: Sendable {
    /// Lower corner of the cell grid and cell edge, m.
    let origin: Point3
    let cellSize: Double
    /// Cells along x and y.
    let nx: Int, ny: Int
    /// Upper corner of the region: a cell's centre is (i + ½)·`cellSize` from `origin`, clamped to it.
    let upper: Point3
    /// Per cell (x fastest), the offsets to its near-repeats, most similar first.
    let vectors: [[Point3]]

    /// The offsets of the cell containing `p` (the nearest cell when `p` is outside the grid).
    func vectors(at p: Point3) -> [Point3] {
        guard nx > 0, ny > 0 else { return [] }
        func index(_ v: Double, _ n: Int) -> Int {
            let c = (v / cellSize).rounded(.down)
            guard c.isFinite else { return 0 }
            return Int(Swift.min(Swift.max(c, 0), Double(n - 1)))
        }
        return vectors[index(p.y - origin.y, ny) * nx + index(p.x - origin.x, nx)]
    }

    /// Total vectors stored (diagnostics).
    var count: Int { vectors.reduce(0) { $0 + $1.count } }

    /// Finds the near-repeats of `model` around the centre of every `cellSize` cell of the flat `region`: offsets
    /// within ±`radius` on a lattice of `step`, local minima of the nuisance-free mismatch (relative to the
    /// centre's energy) below `maxMismatch`, each polished on a 9 × 9 lattice of `step`/4; the `count` best are kept.
    /// Cell and lattice counts must have been bounded by the caller (`LocalizerConfiguration` validation).
    static func build(
        model: any ChannelModel, region: SearchRegion, reference: Double, nuisance: NuisanceModel,
        cellSize: Double, radius: Double, step: Double, count: Int, maxMismatch: Double,
        width: Int
    ) -> AmbiguityMap {
        let lo = region.lower, hi = region.upper
        let nx = Swift.max(1, Int(((hi.x - lo.x) / cellSize).rounded(.up)))
        let ny = Swift.max(1, Int(((hi.y - lo.y) / cellSize).rounded(.up)))
        let n = Swift.max(1, Int((radius / step).rounded(.down)))
        let side = 2 * n + 1
        let exclusion = step * 2
        var result = [[Point3]](repeating: [], count: nx * ny)
        result.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            Parallel.forEachChunk(count: nx * ny, width: width) { cells in
                var match = NuisanceMatch(
                    frequencies: model.frequencies, antennas: model.antennaCount,
                    reference: reference, nuisance: nuisance)
                let stride = model.valuesPerChannel
                // The polish lattice has 81 points whatever the radius; model values in batches (memory: one batch).
                let capacity = Swift.max(side * side, 81), batch = 32
                var points = [Point3](repeating: .zero, count: capacity)
                var values = [Double](repeating: 0, count: batch * stride)
                var costs = [Double](repeating: 0, count: capacity)
                func score(_ count: Int) {
                    var start = 0
                    while start < count {
                        let n = Swift.min(batch, count - start)
                        points.withUnsafeBufferPointer { p in
                            values.withUnsafeMutableBufferPointer { v in
                                model.evaluate(UnsafeBufferPointer(rebasing: p[start..<(start + n)]), into: v)
                            }
                        }
                        values.withUnsafeBufferPointer { v in
                            for i in 0..<n { costs[start + i] = match.evaluate(v.baseAddress! + i * stride).cost }
                        }
                        start += n
                    }
                }
                for cell in cells {
                    let centre = Point3(
                        Swift.min(lo.x + (Double(cell % nx) + 0.5) * cellSize, hi.x),
                        Swift.min(lo.y + (Double(cell / nx) + 0.5) * cellSize, hi.y), lo.z)
                    let f0 = model.channels(at: [centre])
                    f0.withUnsafeBufferPointer { match.load($0) }
                    let energy = match.energy
                    guard energy > 0, energy.isFinite else { continue }
                    for j in 0..<side {
                        for i in 0..<side {
                            points[j * side + i] = centre + Point3(Double(i - n) * step, Double(j - n) * step, 0)
                        }
                    }
                    score(side * side)
                    // Local minima of the lattice (8-neighbourhood), away from the centre's own basin.
                    var minima: [(cost: Double, offset: Point3)] = []
                    for j in 1..<(side - 1) {
                        for i in 1..<(side - 1) {
                            let c = costs[j * side + i]
                            guard c.isFinite, c / energy < maxMismatch * 4 else { continue }
                            var isMin = true
                            for dj in -1...1 {
                                for di in -1...1 where (di, dj) != (0, 0) {
                                    if costs[(j + dj) * side + i + di] < c { isMin = false }
                                }
                            }
                            let o = points[j * side + i] - centre
                            if isMin && o.length > exclusion { minima.append((c, o)) }
                        }
                    }
                    minima.sort { $0.cost < $1.cost }
                    // Polish the most promising on a finer lattice.
                    var polished: [(cost: Double, offset: Point3)] = []
                    let fine = step / 4
                    for m in minima.prefix(3 * count) {
                        var k = 0
                        for j in -4...4 {
                            for i in -4...4 {
                                points[k] = centre + m.offset + Point3(Double(i) * fine, Double(j) * fine, 0); k += 1
                            }
                        }
                        score(k)
                        var bi = 0
                        for i in 1..<k where costs[i] < costs[bi] { bi = i }
                        let o = points[bi] - centre
                        if costs[bi] / energy < maxMismatch, o.length > exclusion,
                            polished.allSatisfy({ ($0.offset - o).length > exclusion })
                        {
                            polished.append((costs[bi] / energy, o))
                        }
                    }
                    polished.sort { $0.cost < $1.cost }
                    out[cell] = polished.prefix(count).map(\.offset)
                }
            }
        }
        return AmbiguityMap(
            origin: Point3(lo.x, lo.y, lo.z), cellSize: cellSize, nx: nx, ny: ny, upper: hi, vectors: result)
    }
}
