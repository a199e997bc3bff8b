import CSIChannel
import CSINumerics

/// How different from the truth the spurious minima that the circle stage exists to escape are, per cell of the
/// search region: the model's own property, measured once when a `Localizer` is built.
///
/// At each sample point p of a cell the model's noiseless channel F(p) is taken as the frame; the circle stage's
/// candidates around p are scored and the best distinct ones refined (exactly as a frame's search would), and the
/// refined minima that did not return to p are the spurious minima a search for p could end in. Their cost
/// relative to ‖F(p)‖² — the energy a wrong fix leaves unexplained, nuisance removed — is the mismatch; a cell
/// keeps the smallest over its samples. A fix x̂ is then compared with the smallest mismatch of the cells around it
/// (`mismatch(near:)`): if x̂ were such a spurious minimum of a truth nearby, its cost could not be below the bound
/// of `wrongFixCostBound`, so a cost below it means the circles have nothing to find (docs/localization.md,
/// "Adaptive circles").
struct CircleMismatchMap: Sendable {
    /// The cells over a search region: at most `maxCells`, the edge grown from the requested one when the region
    /// is too large for that (coarser cells only lower the minimum a fix is compared with).
    struct Grid: Sendable, Equatable {
        static let maxCells = 4096
        let origin: Point3
        let cellSize: Double
        let nx: Int, ny: Int, nz: Int

        /// The region must be valid (finite, lower ≤ upper) and `cellSize` finite and > 0.
        init(region: SearchRegion, cellSize requested: Double) {
            let lo = region.lower, hi = region.upper
            let extents = [hi.x - lo.x, hi.y - lo.y, region.dimension == 3 ? hi.z - lo.z : 0]
            // At least the edge that puts `maxCells` along the longest side; doubled (exact, also for subnormal
            // edges) until the cells are few enough. Counts in Double: no conversion before they are known small.
            var cell = Swift.max(requested, (extents.max() ?? 0) / Double(Self.maxCells))
            func counts(_ c: Double) -> [Double] { extents.map { Swift.max(1, ($0 / c).rounded(.up)) } }
            while counts(cell).reduce(1, *) > Double(Self.maxCells) { cell *= 2 }
            let n = counts(cell)
            origin = lo
            cellSize = cell
            nx = Int(n[0]); ny = Int(n[1]); nz = Int(n[2])
        }

        /// The cell index along one axis of coordinate offset `v`, clamped to the grid.
        func index(_ v: Double, _ n: Int) -> Int {
            let c = (v / cellSize).rounded(.down)
            guard c.isFinite else { return 0 }
            return Int(Swift.min(Swift.max(c, 0), Double(n - 1)))
        }
    }

    let grid: Grid
    /// Per cell (x fastest, then y, then z): the smallest relative mismatch of a spurious circle minimum found
    /// around its samples; +∞ where none was found.
    let mismatch: [Double]
    /// Cells on each side of a fix's cell that `mismatch(near:)` reads: enough to cover the stage's reach (the
    /// largest circle radius, or the ambiguity radius), so the truth of a spurious fix is always inside.
    let neighbourhood: Int

    /// The smallest mismatch of the cell containing `p` and of the cells within the stage's reach around it.
    func mismatch(near p: Point3) -> Double {
        let i = grid.index(p.x - grid.origin.x, grid.nx), j = grid.index(p.y - grid.origin.y, grid.ny)
        let k = grid.index(p.z - grid.origin.z, grid.nz)
        let n = neighbourhood
        var m = Double.infinity
        for c in Swift.max(0, k - n)...Swift.min(grid.nz - 1, k + n) {
            for b in Swift.max(0, j - n)...Swift.min(grid.ny - 1, j + n) {
                for a in Swift.max(0, i - n)...Swift.min(grid.nx - 1, i + n) {
                    m = Swift.min(m, mismatch[(c * grid.ny + b) * grid.nx + a])
                }
            }
        }
        return m
    }

    /// A lower bound on the cost of a wrong fix whose noiseless mismatch is at least `mismatch` × `signalEnergy`,
    /// valid at any noise level: with N complex entries of noise variance σ² and p fitted parameters, such a fix
    /// costs (N − p/2)σ² + W + 2Re⟨n, d⟩ on average and at least (N′ − z√N′)σ² + W − z√(2W)σ at z standard
    /// deviations of both noise terms (N′ = N − p/2, W the mismatch energy, d its residual); the minimum over σ of
    /// that is W(1 − z²/(2(N′ − z√N′))). A model error of energy at most `modelError` can lower W to (√W − √e)².
    /// Returns 0 (nothing can be ruled out) when N′ is too small for the bound.
    static func wrongFixCostBound(
        mismatch: Double, signalEnergy: Double, modelError: Double,
        entries: Int, parameters: Int, sigmas z: Double
    ) -> Double {
        let nPrime = Double(entries) - Double(parameters) / 2
        let a = nPrime - z * nPrime.squareRoot()
        guard a > 0, z >= 0, mismatch >= 0, signalEnergy >= 0, modelError >= 0 else { return 0 }
        if mismatch == .infinity { return signalEnergy > 0 ? .infinity : 0 }
        let w = mismatch * signalEnergy
        let reduced = Swift.max(w.squareRoot() - modelError.squareRoot(), 0)
        let bound = (1 - z * z / (2 * a)) * reduced * reduced
        return bound.isFinite ? Swift.max(bound, 0) : 0
    }

    /// Measures the map for `localizer`'s model, circles, refinement and nuisance, `samples` points per cell and
    /// axis (validated by `LocalizerConfiguration.validate`, which bounds the work). `spurious` gives the smallest
    /// relative mismatch of the spurious minima the stage escapes from a sample point (the circles by default; the
    /// ambiguity stage's near-repeats with `Localizer.spuriousAmbiguityMismatch`).
    static func build(
        _ localizer: Localizer, cellSize: Double, samples: Int, reach: Double, width: Int,
        spurious: @escaping @Sendable (Localizer, Point3, inout LocalizerScratch) -> Double = { l, p, s in
            l.spuriousCircleMismatch(
                at: p, want: l.configuration.circleCandidatesToRefine + 1,
                wavelength: l.wavelength, &s)
        }
    ) -> CircleMismatchMap {
        let grid = Grid(region: localizer.region, cellSize: cellSize)
        let lo = localizer.region.lower, hi = localizer.region.upper
        let three = localizer.region.dimension == 3
        let cells = grid.nx * grid.ny * grid.nz
        var result = [Double](repeating: .infinity, count: cells)
        result.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            Parallel.forEachChunk(count: cells, width: width) { range in
                var s = localizer.makeScratch()
                for cell in range {
                    let i = cell % grid.nx, j = (cell / grid.nx) % grid.ny, k = cell / (grid.nx * grid.ny)
                    var best = Double.infinity
                    for sz in 0..<(three ? samples : 1) {
                        for sy in 0..<samples {
                            for sx in 0..<samples {
                                func coordinate(_ index: Int, _ sub: Int, _ origin: Double, _ upper: Double) -> Double {
                                    Swift.min(
                                        origin + (Double(index) + (Double(sub) + 0.5) / Double(samples))
                                            * grid.cellSize,
                                        upper)
                                }
                                let p = Point3(
                                    coordinate(i, sx, lo.x, hi.x), coordinate(j, sy, lo.y, hi.y),
                                    three ? coordinate(k, sz, lo.z, hi.z) : lo.z)
                                best = Swift.min(best, spurious(localizer, p, &s))
                            }
                        }
                    }
                    out[cell] = best
                }
            }
        }
        // (reach and cell are finite and > 0; the count is clamped by the grid before any conversion)
        let cellsOfReach = Swift.min((reach / grid.cellSize).rounded(.up), Double(Swift.max(grid.nx, grid.ny, grid.nz)))
        return CircleMismatchMap(
            grid: grid, mismatch: result, neighbourhood: Swift.max(1, Int(cellsOfReach.isFinite ? cellsOfReach : 1)))
    }
}

extension Localizer {
    /// The smallest relative cost of a spurious minimum the ambiguity stage reaches from `p` (refinements from `p`
    /// plus each near-repeat offset of its cell) when the frame is the model's own noiseless channel at `p`.
    func spuriousAmbiguityMismatch(at p: Point3, _ s: inout LocalizerScratch) -> Double {
        guard let ambiguityMap else { return .infinity }
        let f = model.channels(at: [p])
        guard f.allSatisfy(\.isFinite) else { return .infinity }
        f.withUnsafeBufferPointer { s.load(frame: $0) }
        let energy = s.match.energy
        guard energy > 0, energy.isFinite else { return .infinity }
        var smallest = Double.infinity
        for v in ambiguityMap.vectors(at: p) where region.contains(p + v, margin: wavelength / 2) {
            let r = refine(from: p + v, &s)
            guard r.cost.isFinite, (r.position - p).length > wavelength / 8 else { continue }
            smallest = Swift.min(smallest, r.cost / energy)
        }
        return smallest
    }
}

extension Localizer {
    /// The smallest relative cost of a spurious minimum the circle stage and the second refinement reach from `p`
    /// when the frame is the model's own noiseless channel at `p` (+∞ if every refined candidate returns to `p`).
    func spuriousCircleMismatch(at p: Point3, want: Int, wavelength: Double, _ s: inout LocalizerScratch) -> Double {
        let f = model.channels(at: [p])
        guard f.allSatisfy(\.isFinite) else { return .infinity }
        f.withUnsafeBufferPointer { s.load(frame: $0) }
        let energy = s.match.energy
        guard energy > 0, energy.isFinite else { return .infinity }
        var n = 0
        for o in circleOffsets {
            let q = p + o
            if region.contains(q, margin: wavelength / 2) { s.candidates[n] = q; n += 1 }
        }
        guard n > 0 else { return .infinity }
        scoreCandidates(count: n, coarse: true, &s) // ranked as the live stage ranks them
        var smallest = Double.infinity
        for pick in distinctBest(count: n, want: want, &s) {
            let r = refine(from: pick.position, &s)
            guard r.cost.isFinite, (r.position - p).length > wavelength / 4 else { continue }
            smallest = Swift.min(smallest, r.cost / energy)
        }
        return smallest
    }
}
