/// Y = X Wᵀ for a few rows of X (Float32): the product of a network layer at one position, or at one position and
/// its tangent directions, with W stored row-major (outputs × inputs) as the layers keep it.
///
/// At so few rows a layer's cost is reading W: OpenBLAS's general path packs W first (a copy as large as W per
/// call) and one call per row reads W once per row. Here every row of W is loaded once and multiplied with up to
/// `groupRows` rows of X held in L1 (one dot product per output and row, eight lanes at a time), so a call over
/// `rows ≤ groupRows` reads W exactly once.
public enum RowProduct {
    /// Rows of X that share one pass over W; more rows take more passes.
    public static let groupRows = 8

    /// y[r·outputs + o] = Σ_k x[r·inputs + k] · w[o·inputs + k] for r < rows, o < outputs (y overwritten).
    public static func multiply(
        rows: Int, inputs: Int, outputs: Int, x: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
        into y: UnsafeMutablePointer<Float>
    ) {
        guard rows > 0, outputs > 0 else { return }
        var first = 0
        while first < rows {
            let count = min(groupRows, rows - first)
            group(
                rows: count, inputs: inputs, outputs: outputs, x: x + first * inputs, weights: w,
                into: y + first * outputs)
            first += count
        }
    }

    /// One pass over W for `rows ≤ groupRows` rows, by a kernel compiled for that row count.
    static func group(
        rows: Int, inputs: Int, outputs: Int, x: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
        into y: UnsafeMutablePointer<Float>
    ) {
        switch rows {
        case 1: kernel(Rows1.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        case 2: kernel(Rows2.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        case 3: kernel(Rows3.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        case 4: kernel(Rows4.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        case 5: kernel(Rows5.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        case 6: kernel(Rows6.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        case 7: kernel(Rows7.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        default: kernel(Rows8.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        }
    }

    /// Eight accumulators per output, of which the first `R.count` are live: the row count is a constant of
    /// each specialisation, so the tests on it fold away and the loop is loads and fused multiply–adds.
    @inline(__always)
    static func kernel<R: RowCount>(
        _: R.Type, inputs k: Int, outputs: Int, x: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
        into y: UnsafeMutablePointer<Float>
    ) {
        typealias V = SIMD8<Float>
        let rows = R.count
        let vectorEnd = k - k % 8
        let x0 = UnsafeRawPointer(x), stride = k &* MemoryLayout<Float>.stride
        let x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride
        let x4 = x3 + stride, x5 = x4 + stride, x6 = x5 + stride, x7 = x6 + stride
        for o in 0..<outputs {
            let wo = w + o &* k
            let wr = UnsafeRawPointer(wo)
            var a0 = V.zero, a1 = V.zero, a2 = V.zero, a3 = V.zero
            var a4 = V.zero, a5 = V.zero, a6 = V.zero, a7 = V.zero
            var offset = 0
            let end = vectorEnd &* MemoryLayout<Float>.stride
            while offset < end {
                let wv = wr.loadUnaligned(fromByteOffset: offset, as: V.self)
                a0 = a0.addingProduct(x0.loadUnaligned(fromByteOffset: offset, as: V.self), wv)
                if rows > 1 { a1 = a1.addingProduct(x1.loadUnaligned(fromByteOffset: offset, as: V.self), wv) }
                if rows > 2 { a2 = a2.addingProduct(x2.loadUnaligned(fromByteOffset: offset, as: V.self), wv) }
                if rows > 3 { a3 = a3.addingProduct(x3.loadUnaligned(fromByteOffset: offset, as: V.self), wv) }
                if rows > 4 { a4 = a4.addingProduct(x4.loadUnaligned(fromByteOffset: offset, as: V.self), wv) }
                if rows > 5 { a5 = a5.addingProduct(x5.loadUnaligned(fromByteOffset: offset, as: V.self), wv) }
                if rows > 6 { a6 = a6.addingProduct(x6.loadUnaligned(fromByteOffset: offset, as: V.self), wv) }
                if rows > 7 { a7 = a7.addingProduct(x7.loadUnaligned(fromByteOffset: offset, as: V.self), wv) }
                offset &+= 8 &* MemoryLayout<Float>.stride
            }
            @inline(__always) func finish(_ a: V, _ r: Int) {
                var s = a.sum()
                var t = vectorEnd
                while t < k {
                    s += x[r &* k &+ t] * wo[t]
                    t &+= 1
                }
                y[r &* outputs &+ o] = s
            }
            finish(a0, 0)
            if rows > 1 { finish(a1, 1) }
            if rows > 2 { finish(a2, 2) }
            if rows > 3 { finish(a3, 3) }
            if rows > 4 { finish(a4, 4) }
            if rows > 5 { finish(a5, 5) }
            if rows > 6 { finish(a6, 6) }
            if rows > 7 { finish(a7, 7) }
        }
    }
}

/// A row count known when `RowProduct.kernel` is specialised.
protocol RowCount { static var count: Int { get } }
enum Rows1: RowCount { static var count: Int { 1 } }
enum Rows2: RowCount { static var count: Int { 2 } }
enum Rows3: RowCount { static var count: Int { 3 } }
enum Rows4: RowCount { static var count: Int { 4 } }
enum Rows5: RowCount { static var count: Int { 5 } }
enum Rows6: RowCount { static var count: Int { 6 } }
enum Rows7: RowCount { static var count: Int { 7 } }
enum Rows8: RowCount { static var count: Int { 8 } }
