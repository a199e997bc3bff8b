public import CSIChannel
public import CSINumerics

/// The cached "virtual dictionary" f(G_G) of the global grid stage (docs/method.md §10.1a, §10.5): the model
/// evaluated once on a regular grid over the search region and reduced to the features of one global
/// measure, stored as Float32 rows. Built once per model and configuration and then only read, by any
/// number of workers at once: it is a class with immutable storage so that it is shared, never copied.
///
/// Every measure is scored as one or two real dot products per row (a GEMV over the dictionary):
///   PS:  2·‖F‖·Re⟨F̂,H⟩ − ‖F‖²  (the negated ‖H − F‖² up to ‖H‖²) — row = F̂ = F/‖F‖ interleaved, q = H interleaved;
///   PI:  |⟨F̂,H⟩|² — rows F̂, queries H and (Im H, −Re H) interleaved;
///   angle–delay: ⟨A(F), A(H)⟩ of unit-norm angle–delay magnitudes.
///
/// Rows are unit vectors stored as Float16 (`DictionaryScalar`: Float32 on Intel Macs, which lack it; IEEE half, converted to Float32 vectors as they are read; products
/// summed in Float32): a row's rounding, ≤ 2⁻¹¹ of each element, moves a score by ~10⁻⁵ of the row's norm, far
/// below the gaps between the candidates the global stage ranks, and halves the bytes streamed per query — the
/// neighbourhoods of the prescreen's best nodes are read from memory, not cache.
public final class GlobalDictionary: Sendable {
    public let measure: GlobalMeasure
    /// Grid nodes, x fastest, then y, then z (as `PositionSampler.grid`).
    public let nodes: [Point3]
    /// Nodes per axis.
    let shape: SIMD3<Int>
    /// Elements per row.
    let featureCount: Int
    let features: [DictionaryScalar]
    /// The rows of the prescreen sub-grid (every `prescreenStride`-th node per axis) copied contiguously, and
    /// their node indices: the prescreen then streams a compact, cache-resident block instead of every
    /// `prescreenStride`-th row of the whole dictionary.
    let prescreenStride: Int
    let prescreenRows: [DictionaryScalar]
    let prescreenNodes: [Int]
    /// ‖F‖² and ‖F‖ per node (PS only).
    let energies: [Float], norms: [Float]
    let transform: AngleDelayTransform

    /// Evaluates `model` on the grid of `spacing` over `region` on `width` threads and stores the features.
    /// - Parameter transform: the angle–delay transform used for queries (angle–delay measure only).
    /// - Parameter prescreenStride: the sub-grid `best(…stride:)` will be called with (its rows are copied
    ///   contiguously; other strides still work, reading the full rows).
    public init(
        model: any ChannelModel, region: SearchRegion, spacing: Double, measure: GlobalMeasure,
        transform: AngleDelayTransform? = nil, prescreenStride: Int = 1, width: Int = Parallel.defaultWidth
    ) {
        let r = region.region
        self.measure = measure
        let nodes = PositionSampler.grid(in: r, spacing: spacing)
        self.nodes = nodes
        func count(_ lo: Double, _ hi: Double) -> Int { Int(((hi - lo) / spacing + 1e-9).rounded(.down)) + 1 }
        shape = SIMD3(
            count(r.x.lowerBound, r.x.upperBound), count(r.y.lowerBound, r.y.upperBound),
            region.isFlat ? 1 : count(r.z.lowerBound, r.z.upperBound))
        let transform =
            transform ?? AngleDelayTransform(antennas: model.antennaCount, subcarriers: model.subcarrierCount)
        self.transform = transform
        let stride = model.valuesPerChannel
        let fc = measure == .angleDelay ? transform.featureCount : stride
        featureCount = fc
        var features = [DictionaryScalar](repeating: 0, count: nodes.count * fc)
        var energies = [Float](repeating: 0, count: measure == .phaseSensitive ? nodes.count : 0)
        features.withUnsafeMutableBufferPointer { fb in
            energies.withUnsafeMutableBufferPointer { eb in
                nonisolated(unsafe) let fb = fb, eb = eb
                Parallel.forEachChunk(count: nodes.count, width: width, minChunk: 64) { range in
                    let batch = 64
                    var values = [Double](repeating: 0, count: batch * stride)
                    var ws = AngleDelayTransform.Workspace(transform)
                    var row = [Float](repeating: 0, count: fc)
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let n = min(batch, range.upperBound - start)
                        nodes.withUnsafeBufferPointer { p in
                            values.withUnsafeMutableBufferPointer { v in
                                model.evaluate(UnsafeBufferPointer(rebasing: p[start..<(start + n)]), into: v)
                            }
                        }
                        for b in 0..<n {
                            values.withUnsafeBufferPointer { v in
                                let f = v.baseAddress! + b * stride
                                switch measure {
                                case .angleDelay:
                                    row.withUnsafeMutableBufferPointer { r in
                                        transform.image(of: f, into: r.baseAddress!, workspace: &ws)
                                    }
                                case .phaseSensitive, .phaseInsensitive:
                                    var e = 0.0
                                    for i in 0..<stride { e += f[i] * f[i] }
                                    let scale = e > 0 ? 1 / e.squareRoot() : 0
                                    for i in 0..<stride { row[i] = Float(f[i] * scale) }
                                    if measure == .phaseSensitive { eb[start + b] = Float(e) }
                                }
                            }
                            let out = fb.baseAddress! + (start + b) * fc
                            for i in 0..<fc { out[i] = DictionaryScalar(row[i]) }
                        }
                        start += n
                    }
                }
            }
        }
        self.features = features
        self.energies = energies
        norms = energies.map { $0.squareRoot() }
        let ps = max(1, prescreenStride)
        self.prescreenStride = ps
        var subNodes: [Int] = []
        if ps > 1 {
            let (nx, ny, nz) = (shape.x, shape.y, shape.z)
            for iz in Swift.stride(from: 0, to: nz, by: nz > 1 ? ps : 1) {
                for iy in Swift.stride(from: 0, to: ny, by: ps) {
                    for ix in Swift.stride(from: 0, to: nx, by: ps) { subNodes.append((iz * ny + iy) * nx + ix) }
                }
            }
        }
        var sub = [DictionaryScalar](repeating: 0, count: subNodes.count * fc)
        for (r, i) in subNodes.enumerated() {
            for e in 0..<fc { sub[r * fc + e] = features[i * fc + e] }
        }
        prescreenNodes = subNodes
        prescreenRows = sub
    }

    /// Bytes held by the cached features.
    public var memoryBytes: Int {
        (features.count + prescreenRows.count) * MemoryLayout<DictionaryScalar>.size
            + (energies.count + norms.count) * MemoryLayout<Float>.size + prescreenNodes.count * MemoryLayout<Int>.size
    }

    /// Score of node `i` for the query (higher is better). `q1`, `q2` as described in the type's comment.
    @inline(__always)
    func score(
        _ i: Int, _ q1: UnsafePointer<Float>, _ q2: UnsafePointer<Float>, rows: UnsafePointer<DictionaryScalar>
    ) -> Float {
        score(i, node: i, q1, q2, rows: rows)
    }

    /// Score of node `node` whose features are row `r` of `rows`.
    @inline(__always)
    func score(
        _ r: Int, node i: Int, _ q1: UnsafePointer<Float>, _ q2: UnsafePointer<Float>,
        rows: UnsafePointer<DictionaryScalar>
    ) -> Float {
        let row = rows + r * featureCount
        switch measure {
        case .angleDelay: return DenseKernels.dot(row, q1, count: featureCount)
        case .phaseSensitive: return 2 * norms[i] * DenseKernels.dot(row, q1, count: featureCount) - energies[i]
        case .phaseInsensitive:
            let (a, b) = DenseKernels.dot2(row, q1, q2, count: featureCount)
            return a * a + b * b
        }
    }

    /// The best nodes for a query: every node when `stride == 1`, else the best of the full-resolution
    /// neighbourhoods (±stride−1 nodes per axis) of the `keep` best nodes of the sub-grid of that stride.
    /// Returns up to `count` nodes (never none) at least `separation` metres apart, best first, with their
    /// scores, and the number of rows scored (for one node, rows shared by neighbourhoods are scored once).
    func best(
        q1: UnsafePointer<Float>, q2: UnsafePointer<Float>, stride s: Int, keep: Int, count: Int = 1,
        separation: Double = 0
    ) -> (picks: [(index: Int, score: Float)], scored: Int) {
        features.withUnsafeBufferPointer { fb in
            let rows = fb.baseAddress!
            // Candidates: every node (stride 1, the best few kept), or each prescreened neighbourhood's best.
            var candidates = TopK(capacity: max(1, count) * 16)
            var scored = 0
            if s <= 1 {
                for i in 0..<nodes.count { candidates.insert(i, score(i, q1, q2, rows: rows)) }
                scored = nodes.count
            } else {
                let nx = shape.x, ny = shape.y, nz = shape.z
                var top = TopK(capacity: max(1, keep))
                if s == prescreenStride {
                    prescreenRows.withUnsafeBufferPointer { sub in
                        for (r, i) in prescreenNodes.enumerated() {
                            top.insert(i, score(r, node: i, q1, q2, rows: sub.baseAddress!)); scored += 1
                        }
                    }
                } else {
                    for iz in Swift.stride(from: 0, to: nz, by: nz > 1 ? s : 1) {
                        for iy in Swift.stride(from: 0, to: ny, by: s) {
                            for ix in Swift.stride(from: 0, to: nx, by: s) {
                                let i = (iz * ny + iy) * nx + ix
                                top.insert(i, score(i, q1, q2, rows: rows)); scored += 1
                            }
                        }
                    }
                }
                // Neighbourhoods of nearby kept nodes overlap (in 3-D a 7-layer region lies whole in each): for a
                // single pick a row already scored in an earlier one is not scored again — that neighbourhood's best
                // covers it, so the best row over them all is the same. Several picks need each neighbourhood's own
                // best (a peak in an overlap must not leave a neighbour offering its shoulder), so all are scored.
                var boxes: [(lo: SIMD3<Int>, hi: SIMD3<Int>)] = []
                boxes.reserveCapacity(top.indices.count)
                var covered: [(lo: Int, hi: Int)] = []
                covered.reserveCapacity(top.indices.count)
                for c in top.indices {
                    var best = -Float.infinity, bi = c, fresh = 0
                    let ix = c % nx, iy = (c / nx) % ny, iz = c / (nx * ny)
                    let lo = SIMD3(max(0, ix - s + 1), max(0, iy - s + 1), nz > 1 ? max(0, iz - s + 1) : 0)
                    let hi = SIMD3(
                        min(nx - 1, ix + s - 1), min(ny - 1, iy + s - 1), nz > 1 ? min(nz - 1, iz + s - 1) : 0)
                    for z in lo.z...hi.z {
                        for y in lo.y...hi.y {
                            // The x-ranges of this line already scored (one per earlier box crossing it).
                            covered.removeAll(keepingCapacity: true)
                            for b in boxes where count <= 1 && b.lo.y <= y && y <= b.hi.y && b.lo.z <= z && z <= b.hi.z
                            {
                                covered.append((b.lo.x, b.hi.x))
                            }
                            for x in lo.x...hi.x {
                                if covered.contains(where: { $0.lo <= x && x <= $0.hi }) { continue }
                                let i = (z * ny + y) * nx + x
                                let v = score(i, q1, q2, rows: rows); scored += 1; fresh += 1
                                if v > best { best = v; bi = i }
                            }
                        }
                    }
                    boxes.append((lo, hi))
                    if fresh > 0 { candidates.insert(bi, best) }
                }
            }
            var picks: [(index: Int, score: Float)] = []
            for (i, v) in zip(candidates.indices, candidates.scores) where picks.count < max(1, count) {
                if picks.allSatisfy({ $0.index != i && (nodes[$0.index] - nodes[i]).length >= separation }) {
                    picks.append((i, v))
                }
            }
            if picks.isEmpty { picks.append((candidates.indices.first ?? 0, candidates.scores.first ?? -.infinity)) }
            return (picks, scored)
        }
    }
}
