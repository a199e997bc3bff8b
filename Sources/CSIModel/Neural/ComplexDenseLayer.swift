import CSINumerics

/// A complex fully connected layer in split form (docs/method.md §4.3), on a batch stored as separate real and
/// imaginary row-major blocks:
///
///   Y_r = X_r W_rᵀ − X_i W_iᵀ + b_r,   Y_i = X_i W_rᵀ + X_r W_iᵀ + b_i   (4 real GEMMs; for a few Float32
///   rows, one `RowProduct` pass over each of W_r and W_i instead).
///
/// With `realInput` the imaginary input is absent (the first layer, fed by coordinates) and two products remain.
struct ComplexDenseLayer: Sendable {
    let inputs: Int
    let outputs: Int
    let realInput: Bool
    let weightRe: Int, weightIm: Int, biasRe: Int, biasIm: Int

    init<T>(_ name: String, inputs: Int, outputs: Int, realInput: Bool, parameters: inout ParameterSet<T>) {
        self.inputs = inputs; self.outputs = outputs; self.realInput = realInput
        weightRe = parameters.add("\(name).weight.re", shape: [outputs, inputs])
        weightIm = parameters.add("\(name).weight.im", shape: [outputs, inputs])
        biasRe = parameters.add("\(name).bias.re", shape: [outputs])
        biasIm = parameters.add("\(name).bias.im", shape: [outputs])
    }

    /// Real and imaginary parts each He-uniform scaled by 1/√2 (docs/method.md §5), zero biases.
    func initialise<T: NeuralScalar>(_ p: inout [T], gain: Double = 1, rng: inout SeededGenerator) {
        let limit = (6.0 / Double(inputs)).squareRoot() * gain / 2.0.squareRoot()
        for i in 0..<(inputs * outputs) {
            p[weightRe + i] = T((2 * rng.nextUnit() - 1) * limit)
            p[weightIm + i] = T((2 * rng.nextUnit() - 1) * limit)
        }
        for i in 0..<outputs { p[biasRe + i] = 0; p[biasIm + i] = 0 }
    }

    func forward<T: NeuralScalar>(
        _ p: UnsafePointer<T>, inputRe xr: UnsafePointer<T>, inputIm xi: UnsafePointer<T>?, batch: Int,
        outputRe yr: UnsafeMutablePointer<T>, outputIm yi: UnsafeMutablePointer<T>
    ) {
        apply(p, inputRe: xr, inputIm: xi, rows: batch, biasRows: batch, outputRe: yr, outputIm: yi)
    }

    /// Y = X Wᵀ, plus b on the first `biasRows` rows: forward rows stacked above tangent rows share one pass over
    /// the weights.
    func apply<T: NeuralScalar>(
        _ p: UnsafePointer<T>, inputRe xr: UnsafePointer<T>, inputIm xi: UnsafePointer<T>?, rows: Int, biasRows: Int,
        outputRe yr: UnsafeMutablePointer<T>, outputIm yi: UnsafeMutablePointer<T>
    ) {
        for r in 0..<rows {
            for o in 0..<outputs {
                yr[r * outputs + o] = r < biasRows ? p[biasRe + o] : 0
                yi[r * outputs + o] = r < biasRows ? p[biasIm + o] : 0
            }
        }
        linear(p, xr, realInput ? nil : xi, rows, yr, yi, beta: 1)
    }

    /// Y = X Wᵀ (+ beta·Y), no bias: shared by the forward and the forward-mode tangent.
    private func linear<T: NeuralScalar>(
        _ p: UnsafePointer<T>, _ xr: UnsafePointer<T>, _ xi: UnsafePointer<T>?, _ rows: Int,
        _ yr: UnsafeMutablePointer<T>, _ yi: UnsafeMutablePointer<T>, beta: T
    ) {
        let n = inputs, m = outputs
        let stacked = xi == nil ? rows : 2 * rows
        if T.self == Float.self, stacked <= RowProduct.groupRows {
            rowProducts(p, xr, xi, rows, yr, yi, beta: beta)
            return
        }
        T.gemm(
            transA: false, transB: true, m: rows, n: m, k: n, alpha: 1, a: xr, lda: n, b: p + weightRe, ldb: n,
            beta: beta, c: yr, ldc: m)
        T.gemm(
            transA: false, transB: true, m: rows, n: m, k: n, alpha: 1, a: xr, lda: n, b: p + weightIm, ldb: n,
            beta: beta, c: yi, ldc: m)
        if let xi {
            T.gemm(
                transA: false, transB: true, m: rows, n: m, k: n, alpha: -1, a: xi, lda: n, b: p + weightIm, ldb: n,
                beta: 1, c: yr, ldc: m)
            T.gemm(
                transA: false, transB: true, m: rows, n: m, k: n, alpha: 1, a: xi, lda: n, b: p + weightRe, ldb: n,
                beta: 1, c: yi, ldc: m)
        }
    }

    /// `linear` for few Float32 rows: X_r and X_i stacked, one `RowProduct` pass over each of W_r and W_i (the
    /// four-GEMM form reads each twice), P = [X_r; X_i] W_rᵀ and Q = [X_r; X_i] W_iᵀ, then
    /// Y_r = P_r − Q_i, Y_i = Q_r + P_i.
    private func rowProducts<T: NeuralScalar>(
        _ p: UnsafePointer<T>, _ xr: UnsafePointer<T>, _ xi: UnsafePointer<T>?, _ rows: Int,
        _ yr: UnsafeMutablePointer<T>, _ yi: UnsafeMutablePointer<T>, beta: T
    ) {
        let n = inputs, m = outputs, stacked = xi == nil ? rows : 2 * rows
        func floats(_ q: UnsafePointer<T>) -> UnsafePointer<Float> {
            UnsafeRawPointer(q).assumingMemoryBound(to: Float.self)
        }
        // [X_r; X_i] copied together (X_r alone is used in place), then P and Q.
        let copied = xi == nil ? 0 : stacked * n
        withUnsafeTemporaryAllocation(of: Float.self, capacity: copied + 2 * stacked * m) { buffer in
            let pr = buffer.baseAddress! + copied, qi = pr + stacked * m
            var x = floats(xr)
            if let xi {
                let both = buffer.baseAddress!
                both.update(from: floats(xr), count: rows * n)
                (both + rows * n).update(from: floats(xi), count: rows * n)
                x = UnsafePointer(both)
            }
            RowProduct.multiply(rows: stacked, inputs: n, outputs: m, x: x, weights: floats(p + weightRe), into: pr)
            RowProduct.multiply(rows: stacked, inputs: n, outputs: m, x: x, weights: floats(p + weightIm), into: qi)
            let imaginary = xi != nil
            for e in 0..<(rows * m) {
                let re = T(pr[e] - (imaginary ? qi[rows * m + e] : 0))
                let im = T(qi[e] + (imaginary ? pr[rows * m + e] : 0))
                yr[e] = beta == 0 ? re : beta * yr[e] + re
                yi[e] = beta == 0 ? im : beta * yi[e] + im
            }
        }
    }

    /// Accumulates parameter gradients and optionally writes input gradients, from G = ∂L/∂Y_r + j ∂L/∂Y_i:
    /// ∂W_r += G_rᵀX_r + G_iᵀX_i, ∂W_i += G_iᵀX_r − G_rᵀX_i, ∂X_r = G_r W_r + G_i W_i, ∂X_i = G_i W_r − G_r W_i.
    func backward<T: NeuralScalar>(
        _ p: UnsafePointer<T>, inputRe xr: UnsafePointer<T>, inputIm xi: UnsafePointer<T>?,
        gradRe gr: UnsafePointer<T>, gradIm gi: UnsafePointer<T>, batch: Int,
        grad: UnsafeMutablePointer<T>,
        gradInputRe: UnsafeMutablePointer<T>?, gradInputIm: UnsafeMutablePointer<T>?
    ) {
        let n = inputs, m = outputs, b = batch
        T.gemm(
            transA: true, transB: false, m: m, n: n, k: b, alpha: 1, a: gr, lda: m, b: xr, ldb: n, beta: 1,
            c: grad + weightRe, ldc: n)
        T.gemm(
            transA: true, transB: false, m: m, n: n, k: b, alpha: 1, a: gi, lda: m, b: xr, ldb: n, beta: 1,
            c: grad + weightIm, ldc: n)
        if !realInput, let xi {
            T.gemm(
                transA: true, transB: false, m: m, n: n, k: b, alpha: 1, a: gi, lda: m, b: xi, ldb: n, beta: 1,
                c: grad + weightRe, ldc: n)
            T.gemm(
                transA: true, transB: false, m: m, n: n, k: b, alpha: -1, a: gr, lda: m, b: xi, ldb: n, beta: 1,
                c: grad + weightIm, ldc: n)
        }
        for r in 0..<b {
            for o in 0..<m { grad[biasRe + o] += gr[r * m + o]; grad[biasIm + o] += gi[r * m + o] }
        }
        if let dxr = gradInputRe {
            T.gemm(
                transA: false, transB: false, m: b, n: n, k: m, alpha: 1, a: gr, lda: m, b: p + weightRe, ldb: n,
                beta: 0, c: dxr, ldc: n)
            T.gemm(
                transA: false, transB: false, m: b, n: n, k: m, alpha: 1, a: gi, lda: m, b: p + weightIm, ldb: n,
                beta: 1, c: dxr, ldc: n)
        }
        if let dxi = gradInputIm, !realInput {
            T.gemm(
                transA: false, transB: false, m: b, n: n, k: m, alpha: 1, a: gi, lda: m, b: p + weightRe, ldb: n,
                beta: 0, c: dxi, ldc: n)
            T.gemm(
                transA: false, transB: false, m: b, n: n, k: m, alpha: -1, a: gr, lda: m, b: p + weightIm, ldb: n,
                beta: 1, c: dxi, ldc: n)
        }
    }

    /// Forward-mode derivative (no bias), `rows` tangent rows.
    func tangent<T: NeuralScalar>(
        _ p: UnsafePointer<T>, inputRe tr: UnsafePointer<T>, inputIm ti: UnsafePointer<T>?, rows: Int,
        outputRe yr: UnsafeMutablePointer<T>, outputIm yi: UnsafeMutablePointer<T>
    ) {
        linear(p, tr, realInput ? nil : ti, rows, yr, yi, beta: 0)
    }
}
