import CSINumerics
import Foundation
import Numerics
import Testing

@testable import CSIChannel
@testable import CSIModel

/// `GainSegmentation`: straight cuts where a path's gain jumps (blockage), none where it only drifts; and the
/// fitter's cell-wise gain maps on a survey whose direct path is blocked over a corner.
@Suite struct GainSegmentationTests {
    /// Uniform points in [−1, 1]² and complex gains from `gain` plus white noise of standard deviation `noise`.
    static func samples(
        _ count: Int, seed: UInt64, noise: Double, gain: (Double, Double) -> Complex<Double>
    )
        -> (xy: [(Double, Double)], values: [Complex<Double>])
    {
        var rng = SeededGenerator(seed: seed, stream: 7)
        var xy: [(Double, Double)] = [], values: [Complex<Double>] = []
        for _ in 0..<count {
            let x = Double.random(in: -1...1, using: &rng), y = Double.random(in: -1...1, using: &rng)
            xy.append((x, y))
            values.append(gain(x, y) + Complex(noise * rng.nextGaussian(), noise * rng.nextGaussian()))
        }
        return (xy, values)
    }

    @Test func oneCutFollowsAStraightBlockageEdge() throws {
        let angle = 37 * Double.pi / 180, (nx, ny) = (Double.cos(angle), Double.sin(angle)), edge = 0.2
        let g = Complex(0.6, -0.8)
        let data = Self.samples(1500, seed: 1, noise: 0.02) { x, y in nx * x + ny * y < edge ? g : .zero }
        let seg = GainSegmentation.fit(xy: data.xy, values: data.values)
        #expect(seg.cellCount == 2)
        let cut = try #require(seg.cuts.first)
        // The same line whichever way the cut's normal points.
        let sign = cut.nx * nx + cut.ny * ny > 0 ? 1.0 : -1.0
        let misalignment = Double.acos(min(1, abs(cut.nx * nx + cut.ny * ny))) * 180 / .pi
        #expect(misalignment <= 2, "cut direction off by \(misalignment)°")
        #expect(abs(sign * cut.threshold - edge) <= 0.02, "threshold \(sign * cut.threshold) vs \(edge)")
    }

    @Test func aBlockedCornerIsCutOutAndNewPointsLandInTheRightCell() {
        let g = Complex(1.0, 0.3)
        let blocked = { (x: Double, y: Double) in x > 0.5 && y > 0.5 }
        // Enough points that each cut can leave the 20 a cell needs near the corner (the greedy first cut is oblique).
        let data = Self.samples(6000, seed: 2, noise: 0.02) { x, y in blocked(x, y) ? .zero : g }
        let seg = GainSegmentation.fit(xy: data.xy, values: data.values)
        #expect(seg.cellCount >= 3)
        // Fresh points: those of one cell must all be blocked or all visible (a few near the edges may fall either way;
        // a single oblique cut through the corner misplaces 2.5 %).
        let fresh = Self.samples(4000, seed: 3, noise: 0) { _, _ in .zero }.xy
        var votes = [Int: (blocked: Int, visible: Int)]()
        for (x, y) in fresh {
            let c = seg.cell(x: x, y: y)
            var v = votes[c] ?? (0, 0)
            if blocked(x, y) { v.blocked += 1 } else { v.visible += 1 }
            votes[c] = v
        }
        let misplaced = votes.values.reduce(0) { $0 + min($1.blocked, $1.visible) }
        #expect(
            Double(misplaced) / Double(fresh.count) < 0.02,
            "\(misplaced) of \(fresh.count) points in a cell of the other kind")
    }

    /// `bestCut` on a cell given by its members' orders (the survey's orders filtered, as a split leaves them)
    /// against a direct search: every direction, every threshold between distinct projections, each side's
    /// squared deviation from its own mean summed point by point.
    @Test func bestCutOnFilteredOrdersMatchesADirectSearch() throws {
        let data = Self.samples(240, seed: 8, noise: 0.3) { x, y in x + 0.5 * y < 0.1 ? Complex(1, 0.5) : .zero }
        let orders = GainSegmentation.PointOrders(xy: data.xy, directions: 24)
        // A cell: the points in the upper-left half-plane, in index order; its orders are the survey's, filtered.
        let members = data.xy.indices.filter { data.xy[$0].1 > data.xy[$0].0 - 0.3 }
        let inCell = Set(members)
        let cellOrders = orders.orders.map { $0.filter { inCell.contains(Int($0)) } }
        let minimumCell = 7
        let found = try #require(
            GainSegmentation.bestCut(
                members, orders: cellOrders, xy: data.xy, values: data.values, directions: orders.directions,
                minimumCell: minimumCell))
        func deviation(_ points: [Int]) -> Double {
            let mean =
                points.reduce(Complex<Double>.zero) { $0 + data.values[$1] } * Complex(1 / Double(points.count), 0)
            return points.reduce(0.0) { $0 + (data.values[$1] - mean).lengthSquared }
        }
        let whole = deviation(members)
        var best = (gain: 0.0, direction: -1, threshold: 0.0)
        for (d, (dx, dy)) in orders.directions.enumerated() {
            let projections = Set(members.map { dx * data.xy[$0].0 + dy * data.xy[$0].1 }).sorted()
            for (a, b) in zip(projections, projections.dropFirst()) {
                let t = 0.5 * (a + b)
                let below = members.filter { dx * data.xy[$0].0 + dy * data.xy[$0].1 < t }
                let above = members.filter { !(dx * data.xy[$0].0 + dy * data.xy[$0].1 < t) }
                guard below.count >= minimumCell, above.count >= minimumCell else { continue }
                let gain = whole - deviation(below) - deviation(above)
                if gain > best.gain { best = (gain, d, t) }
            }
        }
        #expect(abs(found.gain - best.gain) <= 1e-9 * whole, "\(found.gain) vs \(best.gain)")
        let (bx, by) = orders.directions[best.direction]
        #expect(found.nx == bx && found.ny == by)
        #expect(abs(found.threshold - best.threshold) <= 1e-12)
        // Every direction's order is sorted by projection, ties by index, and holds every point once.
        for ((dx, dy), order) in zip(orders.directions, orders.orders) {
            #expect(Set(order.map { Int($0) }) == Set(data.xy.indices))
            for (i, j) in zip(order, order.dropFirst()).map({ (Int($0), Int($1)) }) {
                let pi = dx * data.xy[i].0 + dy * data.xy[i].1, pj = dx * data.xy[j].0 + dy * data.xy[j].1
                #expect(pi < pj || (pi == pj && i < j))
            }
        }
    }

    /// The fit on the survey's orders, filtered per cell, equals — to the last bit — the fit that sorts every cell's
    /// members along every direction (the implementation before `PointOrders`, kept here as the reference), on a
    /// lattice whose projections tie along many directions and with repeated positions.
    @Test func fitOnSharedOrdersEqualsSortingEveryCell() {
        var xy: [(Double, Double)] = []
        for i in 0..<36 { for j in 0..<36 { xy.append((Double(i) / 35 * 2 - 1, Double(j) / 35 * 2 - 1)) } }
        xy += xy.prefix(200) // repeated positions
        var rng = SeededGenerator(seed: 11, stream: 7)
        let values = xy.map { (x, y) -> Complex<Double> in
            let g = x > 0.3 && y > -0.2 ? Complex<Double>.zero : Complex(0.8, -0.4)
            return g + Complex(0.05 * rng.nextGaussian(), 0.05 * rng.nextGaussian())
        }
        var options = GainSegmentation.Options()
        options.directions = 36
        let shared = GainSegmentation.fit(xy: xy, values: values, options: options)
        let reference = Self.referenceFit(xy: xy, values: values, options: options)
        #expect(shared.cellCount >= 3)
        #expect(shared.cuts == reference.cuts && shared.cellCount == reference.cellCount)
    }

    /// `GainSegmentation.fit` as it was: every cell's members (in index order) sorted by projection with Swift's
    /// stable sort, for every direction, at every split.
    static func referenceFit(
        xy: [(Double, Double)], values: [Complex<Double>], options: GainSegmentation.Options
    ) -> (cuts: [GainSegmentation.Cut], cellCount: Int) {
        let energy = values.reduce(0.0) { $0 + $1.lengthSquared }
        let directions = (0..<options.directions).map { k -> (Double, Double) in
            let a = Double.pi * Double(k) / Double(options.directions)
            return (Double.cos(a), Double.sin(a))
        }
        func bestCut(_ members: [Int]) -> GainSegmentation.Candidate? {
            let n = members.count
            guard n >= 2 * options.minimumCell else { return nil }
            let total = members.reduce(Complex<Double>.zero) { $0 + values[$1] }
            let base = total.lengthSquared / Double(n)
            var best: GainSegmentation.Candidate? = nil
            for (dx, dy) in directions {
                let order = members.map { (dx * xy[$0].0 + dy * xy[$0].1, $0) }.sorted { $0.0 < $1.0 }
                var left = Complex<Double>.zero
                for k in 0..<(n - 1) {
                    left = left + values[order[k].1]
                    let nl = k + 1
                    guard nl >= options.minimumCell, n - nl >= options.minimumCell, order[k].0 < order[k + 1].0
                    else { continue }
                    let right = total - left
                    let gain = left.lengthSquared / Double(nl) + right.lengthSquared / Double(n - nl) - base
                    if gain > (best?.gain ?? 0) {
                        best = .init(nx: dx, ny: dy, threshold: 0.5 * (order[k].0 + order[k + 1].0), gain: gain)
                    }
                }
            }
            guard let cut = best,
                cut.gain > options.jumpFactor * GainSegmentation.linearTrendGain(members, xy: xy, values: values)
            else { return nil }
            return cut
        }
        // The same tree as `fit` builds, written out: cells, their best cuts, the split that gains most.
        var cuts: [GainSegmentation.Cut] = []
        var cells: [(members: [Int], parent: (cut: Int, above: Bool)?, best: GainSegmentation.Candidate?)] = [
            (Array(xy.indices), nil, bestCut(Array(xy.indices)))
        ]
        while cells.count < options.maximumCells {
            guard
                let i = cells.indices.filter({ cells[$0].best != nil }).max(by: {
                    cells[$0].best!.gain < cells[$1].best!.gain
                }),
                let cand = cells[i].best, cand.gain >= options.minimumGainFraction * energy
            else { break }
            let cell = cells[i]
            let cutIndex = cuts.count
            cuts.append(.init(nx: cand.nx, ny: cand.ny, threshold: cand.threshold, below: 0, above: 0))
            if let parent = cell.parent {
                if parent.above { cuts[parent.cut].above = cutIndex } else { cuts[parent.cut].below = cutIndex }
            }
            let below = cell.members.filter { cand.nx * xy[$0].0 + cand.ny * xy[$0].1 < cand.threshold }
            let above = cell.members.filter { !(cand.nx * xy[$0].0 + cand.ny * xy[$0].1 < cand.threshold) }
            cells[i] = (below, (cutIndex, false), bestCut(below))
            cells.append((above, (cutIndex, true), bestCut(above)))
        }
        for (k, cell) in cells.enumerated() {
            guard let parent = cell.parent else { continue }
            if parent.above { cuts[parent.cut].above = -(k + 1) } else { cuts[parent.cut].below = -(k + 1) }
        }
        return (cuts, cells.count)
    }

    /// Orders built for other points (another survey) are not used: the fit sorts its own.
    @Test func ordersOfOtherPointsAreIgnored() {
        let g = Complex(1.0, 0.3)
        let data = Self.samples(3000, seed: 2, noise: 0.02) { x, y in x > 0.5 && y > 0.5 ? .zero : g }
        let other = Self.samples(2999, seed: 9, noise: 0) { _, _ in .zero }
        let plain = GainSegmentation.fit(xy: data.xy, values: data.values)
        #expect(plain.cellCount >= 2)
        let foreign = GainSegmentation.PointOrders(xy: other.xy, directions: GainSegmentation.Options().directions)
        #expect(GainSegmentation.fit(xy: data.xy, values: data.values, orders: foreign) == plain)
        let own = GainSegmentation.PointOrders(xy: data.xy, directions: GainSegmentation.Options().directions)
        #expect(GainSegmentation.fit(xy: data.xy, values: data.values, orders: own) == plain)
    }

    @Test func aSmoothGainDriftIsNotCut() {
        // A 10 % linear drift over the area (element pattern, spreading): a cut would gain ≈ 0.25 % of the energy.
        let data = Self.samples(1500, seed: 4, noise: 0.02) { x, y in Complex(1 + 0.1 * x, 0.05 * y) }
        #expect(GainSegmentation.fit(xy: data.xy, values: data.values).cellCount == 1)
    }

    @Test func tooFewPointsOrNoEnergyGiveOneCell() {
        let few = Self.samples(30, seed: 5, noise: 0) { x, _ in x < 0 ? Complex(1, 0) : .zero }
        #expect(GainSegmentation.fit(xy: few.xy, values: few.values).cellCount == 1)
        let none = Self.samples(500, seed: 6, noise: 0) { _, _ in .zero }
        #expect(GainSegmentation.fit(xy: none.xy, values: none.values).cellCount == 1)
    }

    /// Direct path + wall reflection seen by an 8-element line array 6 m away; the direct path vanishes for x > 0.2
    /// (one straight blockage edge across the survey).
    static let halfBlockedScene = Scene(
        name: "half-blocked",
        array: .ula(count: 8, spacing: 0.0428, center: Point3(-6, 0.5, 3), axis: Point3(0, 1, 0)),
        subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 1e8, count: 8),
        planes: [
            ReflectingPlane(
                name: "wall", point: Point3(0, 4, 0), normal: Point3(0, -1, 0), reflection: Complex(-0.6, 0.1))
        ],
        maxReflectionOrder: 1, ueRegion: Region(x: -1...1, y: -1...1, z: 1...1),
        nlosRegions: [Region(x: 0.2...2, y: -2...2, z: 0...2)])

    /// Maps smoothed only inside each path's cells keep the blockage edge, Gaussian maps blur it over their kernel.
    @Test func cellMapsBeatGaussianMapsAcrossABlockageEdge() throws {
        let data = ImageSourceFitterTests.dataset(Self.halfBlockedScene, count: 600, seed: 3)
        let split = TrainingData.split(count: data.count, validationFraction: 0.15, seed: 1)
        let tr = TrainingData(dataset: data, indices: split.train)
        let va = TrainingData(dataset: data, indices: split.validation, scale: tr.scale)
        var options = ImageSourceFitter.Options()
        options.maxSources = 2
        options.candidatesPerPath = 2
        options.subRegionsPerPath = 0
        options.tryGainSlopes = false
        let result = ImageSourceFitter(options: options).fit(train: tr, validation: va)
        let widths = try #require(
            result.decisionValues.compactMap { d -> [ImageSourceFitter.Decision.GainMapWidth]? in
                if case let .gainMaps(widths, _) = d { return widths } else { return nil }
            }.first)
        let gaussian = widths.filter { $0.cells == nil }.map(\.validationDB).min() ?? 0
        let cells = widths.filter { $0.cells != nil }.map(\.validationDB).min() ?? 0
        #expect(cells < gaussian - 1, "\(result.decisions)")
    }
}
