import CSIChannel
import CSINumerics

extension AmbiguityMap {
    /// The near-repeats of a 3-D search with a linear array, in the span stage's (axial, radial) coordinates: for
    /// each `cellSize` cell of the region (x, y; at its middle height) the model's own channel at the cell centre
    /// is scored, as a frame, by the span cost (`Localizer.scoreSpan`: the position on each circle about the array
    /// axis left free, under the localizer's nuisance) on a lattice of (axial, radial) offsets within ±`radius`
    /// at the span step; its local minima below 4 × `maxMismatch` (relative to the centre's energy), away from the
    /// centre's own basin, are polished on the span's ±step/3 sub-lattice and the `count` best below
    /// `maxMismatch` kept, as `Point3(axial, radial, 0)`. A wrong fix is one such vector away from the truth
    /// whatever its position on the circle (docs/localization.md, "UEs at any height").
    /// Cell and lattice counts must have been bounded by the caller (`LocalizerConfiguration` validation).
    static func buildSpan(
        _ l: Localizer, cellSize: Double, radius: Double, count: Int, maxMismatch: Double, width: Int
    ) -> AmbiguityMap {
        let region = l.region, lo = region.lower, hi = region.upper
        let nx = Swift.max(1, Int(((hi.x - lo.x) / cellSize).rounded(.up)))
        let ny = Swift.max(1, Int(((hi.y - lo.y) / cellSize).rounded(.up)))
        let step = l.configuration.arcSpanStepWavelengths * l.wavelength
        let n = Swift.max(1, Int((radius / step).rounded(.down)))
        let side = 2 * n + 1
        let exclusion = 2 * step
        var result = [[Point3]](repeating: [], count: nx * ny)
        result.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            Parallel.forEachChunk(count: nx * ny, width: width) { cells in
                var s = l.makeScratch(spanNodes: side * side)
                for cell in cells {
                    let centre = Point3(
                        Swift.min(lo.x + (Double(cell % nx) + 0.5) * cellSize, hi.x),
                        Swift.min(lo.y + (Double(cell / nx) + 0.5) * cellSize, hi.y), 0.5 * (lo.z + hi.z))
                    let f0 = l.model.channels(at: [centre])
                    f0.withUnsafeBufferPointer { s.load(frame: $0) }
                    let energy = s.match.energy
                    guard energy > 0, energy.isFinite, let frame = l.spanFrame(around: centre) else { continue }
                    l.loadSpanChannel(&s)
                    for j in 0..<side {
                        for i in 0..<side {
                            s.spanNodes[j * side + i] = SIMD2(Double(i - n) * step, Double(j - n) * step)
                        }
                    }
                    l.scoreSpan(frame, count: side * side, level: 0, &s)
                    var minima: [(cost: Double, offset: SIMD2<Double>)] = []
                    for j in 1..<(side - 1) {
                        for i in 1..<(side - 1) {
                            let c = s.spanCosts[j * side + i]
                            guard c.isFinite, c / energy < maxMismatch * 4 else { continue }
                            var isMin = true
                            for dj in -1...1 {
                                for di in -1...1 where (di, dj) != (0, 0) {
                                    if s.spanCosts[(j + dj) * side + i + di] < c { isMin = false }
                                }
                            }
                            let o = s.spanNodes[j * side + i]
                            if isMin && (o * o).sum() > exclusion * exclusion { minima.append((c, o)) }
                        }
                    }
                    minima.sort { $0.cost < $1.cost }
                    var polished: [(cost: Double, offset: SIMD2<Double>)] = []
                    let fine = step / 3
                    for m in minima.prefix(3 * count) {
                        var k = 0
                        for j in -1...1 {
                            for i in -1...1 { s.spanNodes[k] = m.offset + SIMD2(Double(i), Double(j)) * fine; k += 1 }
                        }
                        l.scoreSpan(frame, count: k, level: 0, &s)
                        var bi = 0
                        for i in 1..<k where s.spanCosts[i] < s.spanCosts[bi] { bi = i }
                        let o = s.spanNodes[bi]
                        if s.spanCosts[bi] / energy < maxMismatch, (o * o).sum() > exclusion * exclusion,
                            polished.allSatisfy({ (($0.offset - o) * ($0.offset - o)).sum() > exclusion * exclusion })
                        {
                            polished.append((s.spanCosts[bi] / energy, o))
                        }
                    }
                    polished.sort { $0.cost < $1.cost }
                    out[cell] = polished.prefix(count).map { Point3($0.offset.x, $0.offset.y, 0) }
                }
            }
        }
        return AmbiguityMap(
            origin: Point3(lo.x, lo.y, lo.z), cellSize: cellSize, nx: nx, ny: ny, upper: hi, vectors: result)
    }
}

extension AmbiguityMap {
    /// The vectors of the cell containing `p`, each moved to `p` by bilinear interpolation between the four nearest
    /// cell centres: in each of them the vector nearest to it (within `tolerance`, else itself) stands for it.
    /// Near-repeats drift across a cell (the faster the nearer the array); this keeps them within a fraction of
    /// that drift at any point of the cell.
    func interpolatedVectors(at p: Point3, tolerance: Double) -> [Point3] {
        let base = vectors(at: p)
        guard nx > 0, ny > 0, !base.isEmpty else { return base }
        /// The two cell centres along one axis around `v` (centres clamped to the region, as built) and the weight
        /// of the upper one.
        func axis(_ v: Double, _ origin: Double, _ upper: Double, _ n: Int) -> (lo: Int, hi: Int, t: Double) {
            let u = (v - origin) / cellSize - 0.5
            guard u.isFinite, n > 1 else { return (0, 0, 0) }
            let lo = Int(Swift.min(Swift.max(u, 0), Double(n - 2)).rounded(.down))
            let cLo = Swift.min(origin + (Double(lo) + 0.5) * cellSize, upper)
            let cHi = Swift.min(origin + (Double(lo) + 1.5) * cellSize, upper)
            guard cHi > cLo else { return (lo, lo + 1, 0) }
            return (lo, lo + 1, Swift.min(Swift.max((v - cLo) / (cHi - cLo), 0), 1))
        }
        let ax = axis(p.x, origin.x, upper.x, nx), ay = axis(p.y, origin.y, upper.y, ny)
        let corners = [
            (ay.lo * nx + ax.lo, (1 - ax.t) * (1 - ay.t)), (ay.lo * nx + ax.hi, ax.t * (1 - ay.t)),
            (ay.hi * nx + ax.lo, (1 - ax.t) * ay.t), (ay.hi * nx + ax.hi, ax.t * ay.t),
        ]
        return base.map { v in
            var sum = Point3.zero
            for (cell, weight) in corners {
                var match = v, best = tolerance
                for w in vectors[cell] where (w - v).length < best { best = (w - v).length; match = w }
                sum = sum + match * weight
            }
            return sum
        }
    }
}
