/// Order statistics without a full sort.
public enum Selection {
    /// The `k`-th smallest value of `values` (0-based: `k = 0` is the minimum), as `values.sorted()[k]` would
    /// give, found in place by quickselect (median-of-three pivots, Lomuto partitions; O(n) on average). The
    /// buffer's order is scrambled. Every loop is bounded by the buffer's length, whatever the values (NaNs
    /// included: they compare false and are never moved below a pivot).
    ///
    /// - Precondition: `0 ≤ k < values.count`.
    public static func kthSmallest(_ values: UnsafeMutableBufferPointer<Double>, _ k: Int) -> Double {
        precondition(k >= 0 && k < values.count, "rank \(k) outside 0..<\(values.count)")
        var lo = 0, hi = values.count - 1
        while lo < hi {
            // Median of three to the end as the pivot.
            let mid = lo + (hi - lo) / 2
            if values[mid] < values[lo] { values.swapAt(mid, lo) }
            if values[hi] < values[lo] { values.swapAt(hi, lo) }
            if values[mid] < values[hi] { values.swapAt(mid, hi) }
            let pivot = values[hi]
            var store = lo
            for i in lo..<hi where values[i] < pivot {
                values.swapAt(i, store)
                store += 1
            }
            values.swapAt(store, hi)
            if k == store { return values[k] }
            if k < store { hi = store - 1 } else { lo = store + 1 }
        }
        return values[k]
    }
}
