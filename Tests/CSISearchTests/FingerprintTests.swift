import CSIChannel
import CSISearch
import Testing

@Suite struct FingerprintTests {
    @Test func nearestNeighbourAtANodeIsThatNode() {
        let scene = SearchTestSupport.multipath()
        let sim = ChannelSimulator(scene: scene)
        let grid = PositionSampler.grid(in: scene.ueRegion, spacing: 0.2)
        let csi = sim.channels(at: grid).map(Float.init)
        let m = sim.valuesPerChannel
        let three = FingerprintLocalizer(positions: grid, csi: csi, valuesPerChannel: m, neighbours: 3)
        let one = FingerprintLocalizer(positions: grid, csi: csi, valuesPerChannel: m, neighbours: 1)
        for node in [0, 8, 24, grid.count - 1] {
            let q = Array(csi[(node * m)..<((node + 1) * m)])
            let nearest = three.nearest(q)
            #expect(nearest.count == 3 && nearest[0] == node)
            let est3 = q.withUnsafeBufferPointer { three.locate($0, count: 1) }[0]
            let mean = nearest.reduce(Point3.zero) { $0 + grid[$1] } / 3
            #expect((est3 - mean).length < 1e-12)
            let est1 = q.withUnsafeBufferPointer { one.locate($0, count: 1) }[0]
            #expect(est1 == grid[node])
        }
        // Batched (several queries per block, several threads) equals one at a time.
        let all = csi.withUnsafeBufferPointer { three.locateAll($0, count: grid.count, width: 2) }
        for i in [1, 13, 30] {
            let single = Array(csi[(i * m)..<((i + 1) * m)]).withUnsafeBufferPointer { three.locate($0, count: 1) }[0]
            #expect(all[i] == single)
        }
    }
}
