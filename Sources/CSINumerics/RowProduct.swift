/// Y = X Wᵀ for a few rows of X (Float32): the product of a network layer at one position, or at one position and
/// its tangent directions, with W stored row-major (outputs × inputs) as the layers keep it.
///
/// At so few rows a layer's cost is reading W: OpenBLAS's general path packs W first (a copy as large as W per
/// call) and one call per row reads W once per row. Here every row of W is loaded once and multiplied with up to
/// `groupRows` rows of X held in L1 (one dot product per output and row, eight lanes at a time, several outputs at
/// once so that the FMA chains overlap), so a call over `rows ≤ groupRows` reads W exactly once.
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

    /// One pass over W for `rows ≤ groupRows` rows, by a kernel compiled for that row count and for the number of
    /// outputs it takes at once (`tile`: 4 for up to 3 rows, 2 for up to 6, else 1 — at most 12 accumulators).
    static func group(
        rows: Int, inputs: Int, outputs: Int, x: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
        into y: UnsafeMutablePointer<Float>
    ) {
        let done: Int
        switch rows {
        case 1: done = kernel(Rows1.self, Rows4.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        case 2: done = kernel(Rows2.self, Rows4.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        case 3: done = kernel(Rows3.self, Rows4.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        case 4: done = kernel(Rows4.self, Rows2.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        case 5: done = kernel(Rows5.self, Rows2.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        case 6: done = kernel(Rows6.self, Rows2.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        case 7: done = kernel(Rows7.self, Rows1.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        default: done = kernel(Rows8.self, Rows1.self, inputs: inputs, outputs: outputs, x: x, weights: w, into: y)
        }
        // The outputs past the last whole tile, one at a time (each row's dot product as in the tiles).
        var o = done
        while o < outputs {
            for r in 0..<rows { y[r * outputs + o] = dot(x + r * inputs, w + o * inputs, count: inputs) }
            o += 1
        }
    }

    /// Σ_k a[k]·b[k] as the kernels compute each of their dot products: eight-lane FMAs in order, the lanes summed
    /// by halving, then the tail in order — so an output's value does not depend on the tile it falls in.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count k: Int) -> Float {
        typealias V = SIMD8<Float>
        let ar = UnsafeRawPointer(a), br = UnsafeRawPointer(b), size = MemoryLayout<Float>.stride
        let vectorEnd = k - k % 8
        var acc = V.zero, offset = 0
        while offset < vectorEnd &* size {
            acc = acc.addingProduct(
                ar.loadUnaligned(fromByteOffset: offset, as: V.self),
                br.loadUnaligned(fromByteOffset: offset, as: V.self))
            offset &+= 8 &* size
        }
        return finish(acc, a, b, from: vectorEnd, to: k)
    }

    /// The eight lanes summed by halving, then a[t]·b[t] added for t in `start..<end`.
    @inline(__always)
    static func finish(
        _ acc: SIMD8<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, from start: Int, to end: Int
    ) -> Float {
        let quarter = acc.lowHalf + acc.highHalf
        let pair = quarter.lowHalf + quarter.highHalf
        var s = pair.x + pair.y
        var t = start
        while t < end {
            s += a[t] * b[t]
            t &+= 1
        }
        return s
    }

    /// `R.count` rows against `T.count` outputs at a time: R·T independent accumulator chains (a single chain waits
    /// on its FMA's latency; several keep both FMA units busy), each W row loaded once per chunk for every row of
    /// X and each X chunk once for every output of the tile. The counts are constants of each specialisation, so the
    /// tests on them fold away. Returns the number of outputs done (whole tiles).
    @inline(__always)
    static func kernel<R: RowCount, T: RowCount>(
        _: R.Type, _: T.Type, inputs k: Int, outputs: Int, x: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
        into y: UnsafeMutablePointer<Float>
    ) -> Int {
        typealias V = SIMD8<Float>
        let rows = R.count, tile = T.count
        let vectorEnd = k - k % 8, end = vectorEnd &* MemoryLayout<Float>.stride
        let stride = k &* MemoryLayout<Float>.stride
        let x0 = UnsafeRawPointer(x), x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride
        let x4 = x3 + stride, x5 = x4 + stride, x6 = x5 + stride, x7 = x6 + stride
        var o = 0
        while o + tile <= outputs {
            let w0 = UnsafeRawPointer(w + o &* k), w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride
            var a0 = Tile(), a1 = Tile(), a2 = Tile(), a3 = Tile(), a4 = Tile(), a5 = Tile(), a6 = Tile()
            var a7 = Tile()
            var offset = 0
            while offset < end {
                let v0 = w0.loadUnaligned(fromByteOffset: offset, as: V.self)
                let v1 = tile > 1 ? w1.loadUnaligned(fromByteOffset: offset, as: V.self) : .zero
                let v2 = tile > 2 ? w2.loadUnaligned(fromByteOffset: offset, as: V.self) : .zero
                let v3 = tile > 3 ? w3.loadUnaligned(fromByteOffset: offset, as: V.self) : .zero
                a0.add(x0.loadUnaligned(fromByteOffset: offset, as: V.self), v0, v1, v2, v3, tile: tile)
                if rows > 1 { a1.add(x1.loadUnaligned(fromByteOffset: offset, as: V.self), v0, v1, v2, v3, tile: tile) }
                if rows > 2 { a2.add(x2.loadUnaligned(fromByteOffset: offset, as: V.self), v0, v1, v2, v3, tile: tile) }
                if rows > 3 { a3.add(x3.loadUnaligned(fromByteOffset: offset, as: V.self), v0, v1, v2, v3, tile: tile) }
                if rows > 4 { a4.add(x4.loadUnaligned(fromByteOffset: offset, as: V.self), v0, v1, v2, v3, tile: tile) }
                if rows > 5 { a5.add(x5.loadUnaligned(fromByteOffset: offset, as: V.self), v0, v1, v2, v3, tile: tile) }
                if rows > 6 { a6.add(x6.loadUnaligned(fromByteOffset: offset, as: V.self), v0, v1, v2, v3, tile: tile) }
                if rows > 7 { a7.add(x7.loadUnaligned(fromByteOffset: offset, as: V.self), v0, v1, v2, v3, tile: tile) }
                offset &+= 8 &* MemoryLayout<Float>.stride
            }
            @inline(__always) func store(_ a: Tile, _ r: Int) {
                let xr = x + r &* k, yr = y + (r &* outputs &+ o)
                yr[0] = finish(a.t0, xr, w + o &* k, from: vectorEnd, to: k)
                if tile > 1 { yr[1] = finish(a.t1, xr, w + (o &+ 1) &* k, from: vectorEnd, to: k) }
                if tile > 2 { yr[2] = finish(a.t2, xr, w + (o &+ 2) &* k, from: vectorEnd, to: k) }
                if tile > 3 { yr[3] = finish(a.t3, xr, w + (o &+ 3) &* k, from: vectorEnd, to: k) }
            }
            store(a0, 0)
            if rows > 1 { store(a1, 1) }
            if rows > 2 { store(a2, 2) }
            if rows > 3 { store(a3, 3) }
            if rows > 4 { store(a4, 4) }
            if rows > 5 { store(a5, 5) }
            if rows > 6 { store(a6, 6) }
            if rows > 7 { store(a7, 7) }
            o &+= tile
        }
        return o
    }

    /// One row's accumulators for up to four outputs.
    struct Tile {
        var t0 = SIMD8<Float>.zero, t1 = SIMD8<Float>.zero, t2 = SIMD8<Float>.zero, t3 = SIMD8<Float>.zero

        @inline(__always)
        mutating func add(
            _ x: SIMD8<Float>, _ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>, _ v3: SIMD8<Float>,
            tile: Int
        ) {
            t0 = t0.addingProduct(x, v0)
            if tile > 1 { t1 = t1.addingProduct(x, v1) }
            if tile > 2 { t2 = t2.addingProduct(x, v2) }
            if tile > 3 { t3 = t3.addingProduct(x, v3) }
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
