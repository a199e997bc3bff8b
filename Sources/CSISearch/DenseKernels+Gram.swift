/// The span cost's Gram matrix and correlations (`Localizer.spanCost`): each row read once per block of up to four
/// conjugate dot products, the products fused (FMA), accumulated in Float32 vectors and summed in Float64. Float32
/// is enough because the cost is the explicitly formed residual (`Localizer.spanResidual`), where the Gram matrix's
/// rounding only moves the combination off its optimum, which raises the cost to second order.
extension DenseKernels {
    /// Σ conj(x[i])·c_t[i] for the columns t = 0..<`columns` (1 … 4; split re/im pointers, `count` complex numbers)
    /// into `out[2t]`, `out[2t + 1]`, reading x once.
    @inline(__always)
    static func conjugateDots(
        _ xr: UnsafePointer<Float>, _ xi: UnsafePointer<Float>,
        _ cr: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
        _ ci: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
        columns: Int, count: Int, into out: UnsafeMutablePointer<Double>
    ) {
        typealias V = SIMD8<Float>
        var re0 = V(), im0 = V(), re1 = V(), im1 = V(), re2 = V(), im2 = V(), re3 = V(), im3 = V()
        let px = UnsafeRawPointer(xr), qx = UnsafeRawPointer(xi)
        let pr0 = UnsafeRawPointer(cr.0), pi0 = UnsafeRawPointer(ci.0)
        let pr1 = UnsafeRawPointer(cr.1), pi1 = UnsafeRawPointer(ci.1)
        let pr2 = UnsafeRawPointer(cr.2), pi2 = UnsafeRawPointer(ci.2)
        let pr3 = UnsafeRawPointer(cr.3), pi3 = UnsafeRawPointer(ci.3)
        var i = 0
        // conj(x)·c = (a·u + b·v) + j(a·v − b·u) for x = a + jb, c = u + jv, the column read at byte offset o.
        @inline(__always) func step(
            _ re: inout V, _ im: inout V, _ a: V, _ b: V, _ ur: UnsafeRawPointer, _ ui: UnsafeRawPointer, _ o: Int
        ) {
            let u = ur.loadUnaligned(fromByteOffset: o, as: V.self), v = ui.loadUnaligned(fromByteOffset: o, as: V.self)
            re.addProduct(a, u); re.addProduct(b, v)
            im.addProduct(a, v); im.addProduct(-b, u)
        }
        // One loop; `columns` is loop-invariant, so the compiler specialises it per count.
        while i + 8 <= count {
            let o = i * 4
            let a = px.loadUnaligned(fromByteOffset: o, as: V.self), b = qx.loadUnaligned(fromByteOffset: o, as: V.self)
            step(&re0, &im0, a, b, pr0, pi0, o)
            if columns > 1 { step(&re1, &im1, a, b, pr1, pi1, o) }
            if columns > 2 { step(&re2, &im2, a, b, pr2, pi2, o) }
            if columns > 3 { step(&re3, &im3, a, b, pr3, pi3, o) }
            i += 8
        }
        @inline(__always) func finish(
            _ t: Int, _ re: V, _ im: V, _ ur: UnsafePointer<Float>, _ ui: UnsafePointer<Float>
        ) {
            var sr = Double(re.sum()), si = Double(im.sum())
            var j = i
            while j < count {
                let a = Double(xr[j]), b = Double(xi[j]), u = Double(ur[j]), v = Double(ui[j])
                sr += a * u + b * v; si += a * v - b * u
                j += 1
            }
            out[2 * t] = sr; out[2 * t + 1] = si
        }
        finish(0, re0, im0, cr.0, ci.0)
        if columns > 1 { finish(1, re1, im1, cr.1, ci.1) }
        if columns > 2 { finish(2, re2, im2, cr.2, ci.2) }
        if columns > 3 { finish(3, re3, im3, cr.3, ci.3) }
    }
}
