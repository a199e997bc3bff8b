import CSINumerics
import Testing

@Suite struct SeededGeneratorTests {
    @Test func streamsAreReproducibleAndDistinct() {
        var a = SeededGenerator(seed: 1, stream: 0), b = SeededGenerator(seed: 1, stream: 0),
            c = SeededGenerator(seed: 1, stream: 1)
        let xa = (0..<100).map { _ in a.next() }, xb = (0..<100).map { _ in b.next() },
            xc = (0..<100).map { _ in c.next() }
        #expect(xa == xb)
        #expect(xa != xc)
    }

    @Test func gaussianMomentsAreStandard() {
        var g = SeededGenerator(seed: 42)
        let n = 200_000
        var sum = 0.0, sum2 = 0.0
        for _ in 0..<n { let v = g.nextGaussian(); sum += v; sum2 += v * v }
        let mean = sum / Double(n), variance = sum2 / Double(n) - mean * mean
        // Standard errors: 1/√n ≈ 0.0022 for the mean, √(2/n) ≈ 0.0032 for the variance.
        #expect(abs(mean) < 0.012)
        #expect(abs(variance - 1) < 0.016)
    }

    @Test func unitDrawsStayInRange() {
        var g = SeededGenerator(seed: 9)
        for _ in 0..<10_000 { let u = g.nextUnit(); #expect(u >= 0 && u < 1) }
    }

    @Test func parallelChunksCoverEveryIndexOnce() {
        final class Box: @unchecked Sendable { var hits = [Int](repeating: 0, count: 10_007) }
        let box = Box()
        nonisolated(unsafe) let p = UnsafeMutablePointer<Int>.allocate(capacity: 10_007)
        p.initialize(repeating: 0, count: 10_007)
        Parallel.forEachChunk(count: 10_007, width: 2, minChunk: 3) { r in for i in r { p[i] += 1 } }
        for i in 0..<10_007 { box.hits[i] = p[i] }
        p.deallocate()
        #expect(box.hits.allSatisfy { $0 == 1 })
    }
}
