import CSIChannel
import Numerics

/// A partition of a flat survey area into convex cells by straight cuts, chosen so that one path's local gains are
/// nearly constant inside each cell: where the path is blocked (a parked car, a wall's end) its gain jumps to zero
/// across a straight line — the obstacle's edge seen from the path's image source (ray optics; docs/model.md
/// "Gain maps"). A Gaussian gain map smooths such a jump over its kernel width; smoothing only inside the cells
/// of this partition keeps it sharp.
///
/// Built greedily (an oblique regression tree on complex values): every cell's best cut is the straight line, over
/// `directions` orientations and every threshold between survey points, that most reduces the within-cell
/// squared deviation of the gains from their cell means; the cell whose cut gains most is split next, while the
/// gain is at least `minimumGainFraction` (0.1 %) of the path's total gain energy Σ|c|² **and** `jumpFactor` (1.1) ×
/// what a linear trend over the cell would gain (a jump, not a drift: gains that vary smoothly — element patterns,
/// spreading — are left to the kernel smoothing; the best cut of a linear ramp gains 3/4 of its linear fit, a line
/// through a step gains at least 4/3 of it), each side keeps `minimumCell` points, and there are at most
/// `maximumCells` cells.
struct GainSegmentation: Sendable, Equatable {
    /// A cut: points with n·(x, y) < threshold go to `below`, the others to `above` (indices into `nodes`, or
    /// −(cell + 1) for a cell).
    struct Cut: Sendable, Equatable {
        var nx: Double, ny: Double, threshold: Double
        var below: Int, above: Int
    }

    private(set) var cuts: [Cut] = []
    private(set) var cellCount = 1

    /// Options of `fit`.
    struct Options: Sendable {
        var directions = 180
        var minimumCell = 20
        var maximumCells = 8
        var minimumGainFraction = 0.001
        var jumpFactor = 1.1
    }

    /// The cell of point (x, y) (0 when there is no cut).
    func cell(x: Double, y: Double) -> Int {
        guard !cuts.isEmpty else { return 0 }
        var node = 0
        while true {
            let c = cuts[node]
            let next = c.nx * x + c.ny * y < c.threshold ? c.below : c.above
            if next < 0 { return -next - 1 }
            node = next
        }
    }

    /// The partition of points `xy` for the complex values `values` (same order). `orders` (built for these
    /// points and `options.directions`) saves sorting them again: a fit builds it once for all its paths.
    static func fit(
        xy: [(Double, Double)], values: [Complex<Double>], options: Options = Options(), orders: PointOrders? = nil
    ) -> GainSegmentation {
        precondition(xy.count == values.count, "one value per point")
        var seg = GainSegmentation()
        let energy = values.reduce(0.0) { $0 + $1.lengthSquared }
        guard energy > 0, energy.isFinite, xy.count >= 2 * options.minimumCell, xy.count <= Int(Int32.max) else {
            return seg
        }
        let orders =
            orders.flatMap { $0.matches(xy: xy, directions: options.directions) ? $0 : nil }
            ?? PointOrders(xy: xy, directions: options.directions)
        let directions = orders.directions
        // Cells: their members, their members' order along each direction, and where they hang in the tree (parent
        // cut and side; nil for the root).
        struct Pending {
            var members: [Int]
            var orders: [[Int32]]
            var parent: (cut: Int, above: Bool)?
            var best: Candidate?
        }
        var cells = [Pending(members: Array(xy.indices), orders: orders.orders, parent: nil, best: nil)]
        cells[0].best = bestJump(
            cells[0].members, orders: cells[0].orders, xy: xy, values: values, directions: directions, options: options)
        var isBelow = [Bool](repeating: false, count: xy.count)
        while cells.count < options.maximumCells {
            guard
                let (i, cand) = cells.enumerated().compactMap({ c in c.element.best.map { (c.offset, $0) } })
                    .max(by: { $0.1.gain < $1.1.gain })
            else { break }
            guard cand.gain >= options.minimumGainFraction * energy else { break }
            let cell = cells[i]
            let cutIndex = seg.cuts.count
            seg.cuts.append(Cut(nx: cand.nx, ny: cand.ny, threshold: cand.threshold, below: 0, above: 0))
            if let parent = cell.parent {
                if parent.above { seg.cuts[parent.cut].above = cutIndex } else { seg.cuts[parent.cut].below = cutIndex }
            }
            for m in cell.members { isBelow[m] = cand.nx * xy[m].0 + cand.ny * xy[m].1 < cand.threshold }
            let below = cell.members.filter { isBelow[$0] }
            let above = cell.members.filter { !isBelow[$0] }
            // Each side's order along every direction is its parent's, filtered: sorting is done once per survey.
            // Cells that will not be split again (the last split, or no cut worth making) drop theirs.
            let last = cells.count + 1 >= options.maximumCells
            let belowOrders = last ? [] : cell.orders.map { $0.filter { isBelow[Int($0)] } }
            let aboveOrders = last ? [] : cell.orders.map { $0.filter { !isBelow[Int($0)] } }
            cells[i] = Pending(members: below, orders: belowOrders, parent: (cutIndex, false), best: nil)
            cells.append(Pending(members: above, orders: aboveOrders, parent: (cutIndex, true), best: nil))
            guard !last else { break }
            cells[i].best = bestJump(
                below, orders: belowOrders, xy: xy, values: values, directions: directions, options: options)
            cells[cells.count - 1].best = bestJump(
                above, orders: aboveOrders, xy: xy, values: values, directions: directions, options: options)
            for k in [i, cells.count - 1] where cells[k].best == nil { cells[k].orders = [] }
        }
        // Leaves point at their cells.
        for (k, cell) in cells.enumerated() {
            guard let parent = cell.parent else { continue }
            if parent.above { seg.cuts[parent.cut].above = -(k + 1) } else { seg.cuts[parent.cut].below = -(k + 1) }
        }
        seg.cellCount = cells.count
        return seg
    }

    struct Candidate { var nx: Double, ny: Double, threshold: Double, gain: Double }

    /// The best cut of `members` if it is a jump: it gains more than `jumpFactor` × a linear trend would.
    static func bestJump(
        _ members: [Int], orders: [[Int32]], xy: [(Double, Double)], values: [Complex<Double>],
        directions: [(Double, Double)], options: Options
    ) -> Candidate? {
        guard
            let cut = bestCut(
                members, orders: orders, xy: xy, values: values, directions: directions,
                minimumCell: options.minimumCell),
            cut.gain > options.jumpFactor * linearTrendGain(members, xy: xy, values: values)
        else { return nil }
        return cut
    }

    /// How much a linear trend c ≈ a + b·x + d·y (complex a, b, d) reduces Σ|c − mean|² over `members`.
    static func linearTrendGain(_ members: [Int], xy: [(Double, Double)], values: [Complex<Double>]) -> Double {
        let n = Double(members.count)
        guard n >= 3 else { return 0 }
        var mx = 0.0, my = 0.0, mc = Complex<Double>.zero
        for m in members { mx += xy[m].0; my += xy[m].1; mc = mc + values[m] }
        mx /= n; my /= n; mc = mc * Complex(1 / n, 0)
        var sxx = 0.0, sxy = 0.0, syy = 0.0, sxc = Complex<Double>.zero, syc = Complex<Double>.zero
        for m in members {
            let dx = xy[m].0 - mx, dy = xy[m].1 - my, dc = values[m] - mc
            sxx += dx * dx; sxy += dx * dy; syy += dy * dy
            sxc = sxc + dc * Complex(dx, 0); syc = syc + dc * Complex(dy, 0)
        }
        let det = sxx * syy - sxy * sxy
        guard det > 1e-12 * max(sxx * syy, 1e-300) else { return 0 }
        // Normal equations [sxx sxy; sxy syy] [b; d] = [sxc; syc]; the reduction is [b; d]ᴴ [sxc; syc] (real).
        let b = (sxc * Complex(syy, 0) - syc * Complex(sxy, 0)) * Complex(1 / det, 0)
        let d = (syc * Complex(sxx, 0) - sxc * Complex(sxy, 0)) * Complex(1 / det, 0)
        return max(0, (b.conjugate * sxc + d.conjugate * syc).real)
    }

    /// The cut of `members` that most reduces Σ|c − cell mean|², or nil when no cut leaves `minimumCell` a side;
    /// `orders[d]` holds `members` sorted along `directions[d]` (ties by index).
    static func bestCut(
        _ members: [Int], orders: [[Int32]], xy: [(Double, Double)], values: [Complex<Double>],
        directions: [(Double, Double)], minimumCell: Int
    ) -> Candidate? {
        let n = members.count
        guard n >= 2 * minimumCell, n > 0 else { return nil }
        assert(orders.allSatisfy { $0.count == n }, "orders of other members")
        var total = Complex<Double>.zero
        for m in members { total = total + values[m] }
        let base = total.lengthSquared / Double(n)
        var best: Candidate? = nil
        for ((dx, dy), order) in zip(directions, orders) {
            var left = Complex<Double>.zero
            var next = dx * xy[Int(order[0])].0 + dy * xy[Int(order[0])].1
            for k in 0..<(n - 1) {
                let here = next, m = Int(order[k]), following = Int(order[k + 1])
                next = dx * xy[following].0 + dy * xy[following].1
                left = left + values[m]
                let nl = k + 1
                guard nl >= minimumCell, n - nl >= minimumCell, here < next else { continue }
                let right = total - left
                // SSE reduction = |S_L|²/n_L + |S_R|²/n_R − |S|²/n.
                let gain = left.lengthSquared / Double(nl) + right.lengthSquared / Double(n - nl) - base
                if gain > (best?.gain ?? 0) {
                    best = Candidate(nx: dx, ny: dy, threshold: 0.5 * (here + next), gain: gain)
                }
            }
        }
        return best
    }
}

extension GainSegmentation {
    /// Survey points sorted along each cut direction (ties by index). It depends on the positions only, so a fit
    /// builds it once and every path's segmentation starts from it; a cell's orders are then its parent's, filtered
    /// (sorting every cell along 180 directions for every path and candidate was most of a fit's time).
    struct PointOrders: Sendable {
        /// Unit normals of the cuts, angles π·k/count for k < count.
        let directions: [(Double, Double)]
        /// `orders[d]`: every point index, sorted by its projection on `directions[d]`, ties by index.
        let orders: [[Int32]]

        /// The orders of `xy` (at most `Int32.max` points) along `directions` evenly spaced orientations.
        init(xy: [(Double, Double)], directions count: Int) {
            precondition(xy.count <= Int(Int32.max), "more points than PointOrders indexes")
            let count = max(1, count)
            directions = (0..<count).map { k in
                let a = Double.pi * Double(k) / Double(count)
                return (Double.cos(a), Double.sin(a))
            }
            orders = directions.map { (dx, dy) in
                let projection = xy.map { dx * $0.0 + dy * $0.1 }
                return xy.indices.sorted { (projection[$0], $0) < (projection[$1], $1) }.map { Int32($0) }
            }
        }

        /// Whether these orders can be those of `xy` along `directions` orientations: as many, each order
        /// holding every point, and the first and middle directions' orders sorted on `xy` (a cheap check that
        /// they were not built for other points of the same count).
        func matches(xy: [(Double, Double)], directions count: Int) -> Bool {
            guard directions.count == max(1, count), orders.allSatisfy({ $0.count == xy.count }) else { return false }
            for d in Set([0, directions.count / 2]) {
                let (dx, dy) = directions[d], order = orders[d]
                for (a, b) in zip(order, order.dropFirst()) {
                    let (i, j) = (Int(a), Int(b))
                    guard i >= 0, i < xy.count, j >= 0, j < xy.count else { return false }
                    let pi = dx * xy[i].0 + dy * xy[i].1, pj = dx * xy[j].0 + dy * xy[j].1
                    guard pi < pj || (pi == pj && i < j) else { return false }
                }
            }
            return true
        }
    }
}
