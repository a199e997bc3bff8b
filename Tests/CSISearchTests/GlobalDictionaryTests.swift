import CSIChannel
import CSINumerics
import Foundation
import Testing

@testable import CSISearch

/// The cached global dictionary in Float16: its kernels against Float64 sums, its scores against each measure
/// computed directly from the model's channels.
@Suite struct GlobalDictionaryTests {
    static let scene = SearchTestSupport.multipath()
    static let sim = ChannelSimulator(scene: scene)

    @Test(arguments: [1, 7, 16, 31, 32, 33, 100, 1024])
    func halfPrecisionDotsEqualTheirFloat64Sums(count: Int) {
        var rng = SeededGenerator(seed: UInt64(count))
        let row = (0..<count).map { _ in DictionaryScalar(Float(rng.nextGaussian())) }
        let q1 = (0..<count).map { _ in Float(rng.nextGaussian()) }
        let q2 = (0..<count).map { _ in Float(rng.nextGaussian()) }
        // The reference: the same (already rounded) half values, summed exactly enough in Float64.
        let r1 = zip(row, q1).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let r2 = zip(row, q2).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let norm = (row.reduce(0.0) { $0 + Double($1) * Double($1) } * Double(count)).squareRoot()
        row.withUnsafeBufferPointer { r in
            q1.withUnsafeBufferPointer { a in
                q2.withUnsafeBufferPointer { b in
                    let d = DenseKernels.dot(r.baseAddress!, a.baseAddress!, count: count)
                    let (d1, d2) = DenseKernels.dot2(r.baseAddress!, a.baseAddress!, b.baseAddress!, count: count)
                    // Float32 accumulation: a few units of 2⁻²⁴ of the terms' scale.
                    #expect(abs(Double(d) - r1) <= 1e-5 * norm)
                    #expect(abs(Double(d1) - r1) <= 1e-5 * norm)
                    #expect(abs(Double(d2) - r2) <= 1e-5 * norm)
                }
            }
        }
    }

    @Test(arguments: [
        (GlobalMeasure.phaseSensitive, Point3(0.07, -0.13, 1)), (.phaseInsensitive, Point3(0.07, -0.13, 1)),
        (.angleDelay, Point3(0.07, -0.13, 1)), (.phaseSensitive, Point3(0.2, -0.4, 1)),
        (.phaseInsensitive, Point3(0.2, -0.4, 1)), (.angleDelay, Point3(0.2, -0.4, 1)),
    ])
    func scoresMatchTheMeasureComputedFromTheChannels(measure: GlobalMeasure, x: Point3) {
        let region = SearchRegion(Self.scene.ueRegion)
        let spacing = 0.2
        let dictionary = GlobalDictionary(
            model: Self.sim, region: region, spacing: spacing, measure: measure, width: 1)
        let nodes = dictionary.nodes
        #expect(nodes.count == 49)
        // The query: the channel at x (between nodes, or a node), with a common phase unless the measure sees it.
        let h = MeasureTests.rotated(Self.sim.channels(at: [x]), by: measure == .phaseSensitive ? 0 : 0.8)
        let stride = Self.sim.valuesPerChannel
        var q1 = [Float](repeating: 0, count: max(stride, dictionary.featureCount)), q2 = q1
        let transform = dictionary.transform
        switch measure {
        case .angleDelay:
            var ws = AngleDelayTransform.Workspace(transform)
            h.withUnsafeBufferPointer { hb in
                q1.withUnsafeMutableBufferPointer { q in
                    transform.image(of: hb.baseAddress!, into: q.baseAddress!, workspace: &ws)
                }
            }
        case .phaseSensitive, .phaseInsensitive:
            for i in 0..<stride { q1[i] = Float(h[i]) }
            for i in Swift.stride(from: 0, to: stride, by: 2) { q2[i] = Float(h[i + 1]); q2[i + 1] = Float(-h[i]) }
        }
        // Reference scores in Float64 from the simulator's channel at each node.
        var reference: [Double] = []
        var ws = AngleDelayTransform.Workspace(transform)
        for p in nodes {
            let f = Self.sim.channels(at: [p])
            switch measure {
            case .phaseSensitive:
                var dot = 0.0
                for i in f.indices { dot += f[i] * h[i] }
                reference.append(2 * dot - f.reduce(0.0) { $0 + $1 * $1 })
            case .phaseInsensitive:
                let e = f.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
                var re = 0.0, im = 0.0
                for i in Swift.stride(from: 0, to: f.count, by: 2) {
                    re += f[i] * h[i] + f[i + 1] * h[i + 1]
                    im += f[i] * h[i + 1] - f[i + 1] * h[i]
                }
                reference.append((re * re + im * im) / (e * e))
            case .angleDelay:
                var a = [Float](repeating: 0, count: transform.featureCount)
                f.withUnsafeBufferPointer { fb in
                    a.withUnsafeMutableBufferPointer { o in
                        transform.image(of: fb.baseAddress!, into: o.baseAddress!, workspace: &ws)
                    }
                }
                reference.append(zip(a, q1).reduce(0.0) { $0 + Double($1.0) * Double($1.1) })
            }
        }
        let scale = reference.map(abs).max()!
        var scores: [Double] = []
        q1.withUnsafeBufferPointer { a in
            q2.withUnsafeBufferPointer { b in
                dictionary.features.withUnsafeBufferPointer { rows in
                    for i in nodes.indices {
                        scores.append(
                            Double(dictionary.score(i, a.baseAddress!, b.baseAddress!, rows: rows.baseAddress!)))
                    }
                }
            }
        }
        // Half-precision rows: each score within 10⁻³ of the largest, and the same ranking of the best nodes.
        for (s, r) in zip(scores, reference) { #expect(abs(s - r) <= 1e-3 * scale, "\(s) vs \(r)") }
        let bestByScore = scores.indices.max { scores[$0] < scores[$1] }!
        let bestByReference = reference.indices.max { reference[$0] < reference[$1] }!
        #expect(bestByScore == bestByReference)
        // A query at a node finds that node (every measure is maximal where the channels agree).
        let node = nodes.firstIndex(where: { ($0 - x).length < 1e-9 })
        #expect((node != nil) == (x.x == 0.2), "the second query point is a node, the first is not")
        if let node { #expect(bestByScore == node) }
        #expect(
            dictionary.memoryBytes == (nodes.count + dictionary.prescreenNodes.count) * dictionary.featureCount
                * MemoryLayout<DictionaryScalar>.size + 2 * dictionary.energies.count * 4 + dictionary.prescreenNodes
                .count * 8)
    }

    /// The prescreen's neighbourhoods overlap (3-D: the few height layers lie whole in each): for one pick every
    /// row of their union is scored once, and the pick is the best row of the union — checked against the definition (the sub-grid's
    /// `keep` best nodes, their ±(stride − 1) boxes, an exhaustive best over the union).
    @Test func overlappingNeighbourhoodsAreScoredOnce() throws {
        let scene = ArrayAxisTests.scene3D(), sim = ChannelSimulator(scene: scene)
        let dictionary = GlobalDictionary(
            model: sim, region: SearchRegion(scene.ueRegion), spacing: 0.1, measure: .phaseSensitive, width: 1)
        let shape = dictionary.shape, nx = shape.x, ny = shape.y, nz = shape.z
        #expect(nz > 1 && nz <= 7)
        let h = sim.channels(at: [Point3(0.13, -0.21, 1.07)]), stride = sim.valuesPerChannel
        var q1 = [Float](repeating: 0, count: stride), q2 = q1
        for i in 0..<stride { q1[i] = Float(h[i]) }
        for i in Swift.stride(from: 0, to: stride, by: 2) { q2[i] = Float(h[i + 1]); q2[i + 1] = Float(-h[i]) }
        let s = 3, keep = 6
        var scores = [Float](repeating: 0, count: dictionary.nodes.count)
        var result: (picks: [(index: Int, score: Float)], scored: Int) = ([], 0)
        q1.withUnsafeBufferPointer { a in
            q2.withUnsafeBufferPointer { b in
                dictionary.features.withUnsafeBufferPointer { rows in
                    for i in scores.indices {
                        scores[i] = dictionary.score(i, a.baseAddress!, b.baseAddress!, rows: rows.baseAddress!)
                    }
                    result = dictionary.best(q1: a.baseAddress!, q2: b.baseAddress!, stride: s, keep: keep)
                }
            }
        }
        // The definition: the sub-grid's best `keep` nodes, the union of their boxes, its best row.
        var sub: [Int] = []
        for z in Swift.stride(from: 0, to: nz, by: s) {
            for y in Swift.stride(from: 0, to: ny, by: s) {
                for x in Swift.stride(from: 0, to: nx, by: s) { sub.append((z * ny + y) * nx + x) }
            }
        }
        let kept = sub.sorted { scores[$0] > scores[$1] }.prefix(keep)
        var union = Set<Int>()
        for c in kept {
            let ix = c % nx, iy = (c / nx) % ny, iz = c / (nx * ny)
            for z in max(0, iz - s + 1)...min(nz - 1, iz + s - 1) {
                for y in max(0, iy - s + 1)...min(ny - 1, iy + s - 1) {
                    for x in max(0, ix - s + 1)...min(nx - 1, ix + s - 1) { union.insert((z * ny + y) * nx + x) }
                }
            }
        }
        let boxRows = kept.reduce(0) { total, c in
            let ix = c % nx, iy = (c / nx) % ny, iz = c / (nx * ny)
            return total + (min(nx - 1, ix + s - 1) - max(0, ix - s + 1) + 1)
                * (min(ny - 1, iy + s - 1) - max(0, iy - s + 1) + 1)
                * (min(nz - 1, iz + s - 1) - max(0, iz - s + 1) + 1)
        }
        #expect(union.count < boxRows, "the neighbourhoods must overlap for this test")
        #expect(result.scored == sub.count + union.count)
        let expected = union.max { scores[$0] < scores[$1] }!
        let pick = try #require(result.picks.first)
        #expect(scores[pick.index] == scores[expected] && pick.score == scores[expected])
        // Several picks need every neighbourhood's own best: all their rows are scored, the first pick the same.
        var multi: (picks: [(index: Int, score: Float)], scored: Int) = ([], 0)
        q1.withUnsafeBufferPointer { a in
            q2.withUnsafeBufferPointer { b in
                multi = dictionary.best(q1: a.baseAddress!, q2: b.baseAddress!, stride: s, keep: keep, count: 3)
            }
        }
        #expect(multi.scored == sub.count + boxRows)
        #expect(multi.picks.first?.index == pick.index && multi.picks.count > 1)
    }
}
