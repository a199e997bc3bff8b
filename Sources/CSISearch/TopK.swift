/// The k best (index, score) pairs seen so far, best first (k is small: insertion is cheapest).
struct TopK {
    let capacity: Int
    private(set) var indices: [Int] = []
    private(set) var scores: [Float] = []
    init(capacity: Int) {
        self.capacity = capacity; indices.reserveCapacity(capacity + 1); scores.reserveCapacity(capacity + 1)
    }

    /// A NaN score is never kept (it would compare neither above nor below the others).
    mutating func insert(_ index: Int, _ score: Float) {
        guard !score.isNaN else { return }
        if scores.count == capacity, let last = scores.last, score <= last { return }
        var pos = scores.count
        while pos > 0 && scores[pos - 1] < score { pos -= 1 }
        scores.insert(score, at: pos); indices.insert(index, at: pos)
        if scores.count > capacity { scores.removeLast(); indices.removeLast() }
    }
}
