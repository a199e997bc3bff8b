import Testing

@testable import CSINumerics

@Suite struct SelectionTests {
    /// Every rank of random, sorted, reversed, constant and many-duplicate lists equals the sorted list's entry.
    @Test func kthSmallestIsTheSortedEntry() {
        var rng = SeededGenerator(seed: 3, stream: 1)
        let lists: [[Double]] = [
            (0..<257).map { _ in rng.nextGaussian() },
            (0..<100).map(Double.init),
            (0..<100).reversed().map(Double.init),
            [Double](repeating: 2.5, count: 31),
            (0..<200).map { _ in Double(Int(rng.nextUnit() * 4)) },
            [7],
        ]
        for list in lists {
            let sorted = list.sorted()
            for k in list.indices {
                var copy = list
                let v = copy.withUnsafeMutableBufferPointer { Selection.kthSmallest($0, k) }
                #expect(v == sorted[k], "rank \(k) of \(list.count)")
            }
        }
    }

    /// NaNs do not stall it: it returns a value of the list for every rank.
    @Test func nansTerminate() {
        var list: [Double] = [3, .nan, 1, .nan, 2, 5, .nan, 4]
        for k in list.indices {
            let v = list.withUnsafeMutableBufferPointer { Selection.kthSmallest($0, k) }
            #expect(v.isNaN || [1, 2, 3, 4, 5].contains(v))
        }
    }
}
