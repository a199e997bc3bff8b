import CSINumerics

/// A real fully connected layer y = W x + b on a batch (rows = samples), W stored (outputs × inputs)
/// row-major inside a `ParameterSet`. Forward and both backward products are single GEMMs — except a forward or
/// tangent product of at most `RowProduct.groupRows` Float32 rows (one position), which reads W once through
/// `RowProduct`.
struct DenseLayer: Sendable {
    let inputs: Int
    let outputs: Int
    /// Offsets of W and b in the parameter array.
    let weight: Int
    let bias: Int

    /// Declares the layer's tensors `<name>.weight` (outputs × inputs) and `<name>.bias` in `parameters`.
    init<T>(_ name: String, inputs: Int, outputs: Int, parameters: inout ParameterSet<T>) {
        self.inputs = inputs; self.outputs = outputs
        weight = parameters.add("\(name).weight", shape: [outputs, inputs])
        bias = parameters.add("\(name).bias", shape: [outputs])
    }

    /// He-uniform weights U(±√(6/fan_in))·gain, zero biases (docs/method.md §5).
    func initialise<T: NeuralScalar>(_ p: inout [T], gain: Double = 1, rng: inout SeededGenerator) {
        let limit = (6.0 / Double(inputs)).squareRoot() * gain
        for i in 0..<(inputs * outputs) { p[weight + i] = T((2 * rng.nextUnit() - 1) * limit) }
        for i in 0..<outputs { p[bias + i] = 0 }
    }

    /// Y(batch × outputs) = X Wᵀ + b.
    func forward<T: NeuralScalar>(
        _ p: UnsafePointer<T>, input x: UnsafePointer<T>, batch: Int, output y: UnsafeMutablePointer<T>
    ) {
        apply(p, input: x, rows: batch, biasRows: batch, output: y)
    }

    /// Y(rows × outputs) = X Wᵀ, plus b on the first `biasRows` rows: forward rows stacked above tangent rows
    /// share one pass over W. Few Float32 rows go through `RowProduct` (W read once, never packed), the rest
    /// through GEMM.
    func apply<T: NeuralScalar>(
        _ p: UnsafePointer<T>, input x: UnsafePointer<T>, rows: Int, biasRows: Int, output y: UnsafeMutablePointer<T>
    ) {
        if T.self == Float.self, rows <= RowProduct.groupRows {
            RowProduct.multiply(
                rows: rows, inputs: inputs, outputs: outputs,
                x: UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                weights: UnsafeRawPointer(p + weight).assumingMemoryBound(to: Float.self),
                into: UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self))
            for r in 0..<biasRows { for o in 0..<outputs { y[r * outputs + o] += p[bias + o] } }
            return
        }
        for r in 0..<rows { for o in 0..<outputs { y[r * outputs + o] = r < biasRows ? p[bias + o] : 0 } }
        T.gemm(
            transA: false, transB: true, m: rows, n: outputs, k: inputs, alpha: 1, a: x, lda: inputs,
            b: p + weight, ldb: inputs, beta: 1, c: y, ldc: outputs)
    }

    /// Accumulates ∂L/∂W += Gᵀ X and ∂L/∂b += Σ_rows G into `grad`; writes ∂L/∂X = G W when asked.
    func backward<T: NeuralScalar>(
        _ p: UnsafePointer<T>, input x: UnsafePointer<T>, gradOutput g: UnsafePointer<T>, batch: Int,
        grad: UnsafeMutablePointer<T>, gradInput: UnsafeMutablePointer<T>?
    ) {
        T.gemm(
            transA: true, transB: false, m: outputs, n: inputs, k: batch, alpha: 1, a: g, lda: outputs,
            b: x, ldb: inputs, beta: 1, c: grad + weight, ldc: inputs)
        for r in 0..<batch { for o in 0..<outputs { grad[bias + o] += g[r * outputs + o] } }
        if let gx = gradInput {
            T.gemm(
                transA: false, transB: false, m: batch, n: inputs, k: outputs, alpha: 1, a: g, lda: outputs,
                b: p + weight, ldb: inputs, beta: 0, c: gx, ldc: inputs)
        }
    }

    /// Forward-mode derivative: Ṫ_out = Ṫ_in Wᵀ (no bias), for `rows` tangent rows.
    func tangent<T: NeuralScalar>(
        _ p: UnsafePointer<T>, input t: UnsafePointer<T>, rows: Int, output out: UnsafeMutablePointer<T>
    ) {
        apply(p, input: t, rows: rows, biasRows: 0, output: out)
    }
}
