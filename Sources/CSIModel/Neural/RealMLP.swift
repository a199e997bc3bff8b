import CSINumerics

/// A real multilayer perceptron: dense layers with ReLU between them and a linear output layer.
/// Used for the direction and delay branches of the MB-INR and for the MLP / RFF baselines.
struct RealMLP: Sendable {
    let layers: [DenseLayer]

    /// `widths` = [inputs, hidden…, outputs]; tensors are named `<name>.<index>.weight|bias`.
    init<T>(_ name: String, widths: [Int], parameters: inout ParameterSet<T>) {
        precondition(widths.count >= 2 && widths.allSatisfy { $0 > 0 }, "an MLP needs positive widths")
        layers = (0..<(widths.count - 1)).map {
            DenseLayer("\(name).\($0)", inputs: widths[$0], outputs: widths[$0 + 1], parameters: &parameters)
        }
    }

    var inputs: Int { layers[0].inputs }
    var outputs: Int { layers[layers.count - 1].outputs }

    /// He-uniform everywhere; the output layer's weights are multiplied by `outputGain`.
    func initialise<T: NeuralScalar>(_ p: inout [T], outputGain: Double = 1, rng: inout SeededGenerator) {
        for (l, layer) in layers.enumerated() {
            layer.initialise(&p, gain: l == layers.count - 1 ? outputGain : 1, rng: &rng)
        }
    }

    /// Runs the batch; returns every activation (index 0 = input, last = linear output).
    func forward<T: NeuralScalar>(_ p: UnsafePointer<T>, input: [T], batch: Int) -> [[T]] {
        var acts = [input]
        acts.reserveCapacity(layers.count + 1)
        for (l, layer) in layers.enumerated() {
            var y = [T](repeating: 0, count: batch * layer.outputs)
            layer.forward(p, input: acts[l], batch: batch, output: &y)
            if l < layers.count - 1 { for i in y.indices where y[i] < 0 { y[i] = 0 } }
            acts.append(y)
        }
        return acts
    }

    /// `forward` and `tangent` in one pass over the weights: each layer multiplies the forward rows and the
    /// `directions` tangent blocks stacked below them (batch·(1 + directions) rows) at once. The same values as the
    /// two passes when every product takes the same kernel, as at one Float32 position (`RowProduct` computes each
    /// row alike whatever the rows beside it; GEMM paths may round differently with the row count); returns the
    /// activations (as `forward`) and the stacked output tangents (as `tangent`).
    func forwardWithTangents<T: NeuralScalar>(
        _ p: UnsafePointer<T>, input: [T], tangentInput: [T], directions: Int, batch: Int
    ) -> (activations: [[T]], tangent: [T]) {
        var acts = [input]
        acts.reserveCapacity(layers.count + 1)
        var x = input + tangentInput
        for (l, layer) in layers.enumerated() {
            let n = batch * layer.outputs
            var y = [T](unsafeUninitializedCapacity: (1 + directions) * n) { _, c in c = (1 + directions) * n }
            x.withUnsafeBufferPointer { xb in
                y.withUnsafeMutableBufferPointer { yb in
                    layer.apply(
                        p, input: xb.baseAddress!, rows: batch * (1 + directions), biasRows: batch,
                        output: yb.baseAddress!)
                    if l < layers.count - 1 {
                        for i in 0..<n where yb[i] <= 0 {
                            yb[i] = 0
                            for d in 0..<directions { yb[(d + 1) * n + i] = 0 }
                        }
                    }
                }
            }
            acts.append(Array(y[0..<n]))
            x = y
        }
        return (acts, Array(x[(batch * outputs)...]))
    }

    /// Backpropagates ∂L/∂output; accumulates parameter gradients; returns ∂L/∂input when `inputGradient`.
    func backward<T: NeuralScalar>(
        _ p: UnsafePointer<T>, activations acts: [[T]], gradOutput: [T], batch: Int,
        grad: UnsafeMutablePointer<T>, inputGradient: Bool
    ) -> [T]? {
        var g = gradOutput
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[l]
            if l < layers.count - 1 {
                let a = acts[l + 1]
                for i in g.indices where a[i] <= 0 { g[i] = 0 }
            }
            let needIn = l > 0 || inputGradient
            var gx = [T](repeating: 0, count: needIn ? batch * layer.inputs : 0)
            gx.withUnsafeMutableBufferPointer { gxb in
                layer.backward(
                    p, input: acts[l], gradOutput: g, batch: batch, grad: grad,
                    gradInput: needIn ? gxb.baseAddress : nil)
            }
            if !needIn { return nil }
            g = gx
        }
        return g
    }

    /// Forward-mode: pushes `directions` tangent blocks (each batch × inputs, stacked) through the network,
    /// reusing the ReLU masks of the forward pass. Returns the stacked output tangents.
    func tangent<T: NeuralScalar>(
        _ p: UnsafePointer<T>, activations acts: [[T]], input: [T], directions: Int, batch: Int
    ) -> [T] {
        var t = input
        for (l, layer) in layers.enumerated() {
            var y = [T](repeating: 0, count: directions * batch * layer.outputs)
            layer.tangent(p, input: t, rows: directions * batch, output: &y)
            if l < layers.count - 1 {
                let a = acts[l + 1], n = batch * layer.outputs
                for d in 0..<directions { for i in 0..<n where a[i] <= 0 { y[d * n + i] = 0 } }
            }
            t = y
        }
        return t
    }
}
