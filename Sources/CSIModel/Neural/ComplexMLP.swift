import CSINumerics

/// A complex multilayer perceptron with a real input: split-complex dense layers with ReLU_C
/// (ReLU on real and imaginary parts separately, docs/method.md §4.3) between them, linear complex output.
/// This is the amplitude branch of the MB-INR that produces z(x) ∈ ℂ^D.
struct ComplexMLP: Sendable {
    let layers: [ComplexDenseLayer]

    /// A complex activation batch: real and imaginary parts, each batch × width row-major.
    struct Activation<T: NeuralScalar> { var re: [T]; var im: [T] }

    init<T>(_ name: String, widths: [Int], parameters: inout ParameterSet<T>) {
        precondition(widths.count >= 2 && widths.allSatisfy { $0 > 0 }, "an MLP needs positive widths")
        layers = (0..<(widths.count - 1)).map {
            ComplexDenseLayer(
                "\(name).\($0)", inputs: widths[$0], outputs: widths[$0 + 1], realInput: $0 == 0,
                parameters: &parameters)
        }
    }

    var outputs: Int { layers[layers.count - 1].outputs }

    func initialise<T: NeuralScalar>(_ p: inout [T], outputGain: Double = 1, rng: inout SeededGenerator) {
        for (l, layer) in layers.enumerated() {
            layer.initialise(&p, gain: l == layers.count - 1 ? outputGain : 1, rng: &rng)
        }
    }

    /// Runs the batch on the real input; returns every activation (index 0 = input with zero imaginary part).
    func forward<T: NeuralScalar>(_ p: UnsafePointer<T>, input: [T], batch: Int) -> [Activation<T>] {
        var acts = [Activation(re: input, im: [])]
        for (l, layer) in layers.enumerated() {
            var yr = [T](repeating: 0, count: batch * layer.outputs), yi = yr
            let x = acts[l]
            x.im.withUnsafeBufferPointer { xi in
                layer.forward(p, inputRe: x.re, inputIm: xi.baseAddress, batch: batch, outputRe: &yr, outputIm: &yi)
            }
            if l < layers.count - 1 {
                for i in yr.indices { if yr[i] < 0 { yr[i] = 0 }; if yi[i] < 0 { yi[i] = 0 } }
            }
            acts.append(Activation(re: yr, im: yi))
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
    ) -> (activations: [Activation<T>], tangent: Activation<T>) {
        var acts = [Activation(re: input, im: [])]
        var x = Activation<T>(re: input + tangentInput, im: [])
        for (l, layer) in layers.enumerated() {
            let n = batch * layer.outputs, count = (1 + directions) * n
            var yr = [T](unsafeUninitializedCapacity: count) { _, c in c = count }, yi = yr
            x.im.withUnsafeBufferPointer { xi in
                x.re.withUnsafeBufferPointer { xr in
                    yr.withUnsafeMutableBufferPointer { r in
                        yi.withUnsafeMutableBufferPointer { i in
                            layer.apply(
                                p, inputRe: xr.baseAddress!, inputIm: xi.baseAddress, rows: batch * (1 + directions),
                                biasRows: batch, outputRe: r.baseAddress!, outputIm: i.baseAddress!)
                            if l < layers.count - 1 {
                                for e in 0..<n {
                                    if r[e] <= 0 { r[e] = 0; for d in 0..<directions { r[(d + 1) * n + e] = 0 } }
                                    if i[e] <= 0 { i[e] = 0; for d in 0..<directions { i[(d + 1) * n + e] = 0 } }
                                }
                            }
                        }
                    }
                }
            }
            acts.append(Activation(re: Array(yr[0..<n]), im: Array(yi[0..<n])))
            x = Activation(re: yr, im: yi)
        }
        let n = batch * outputs
        return (acts, Activation(re: Array(x.re[n...]), im: Array(x.im[n...])))
    }

    /// Backpropagates G = ∂L/∂z (real, imaginary parts); accumulates parameter gradients and returns ∂L/∂input.
    func backward<T: NeuralScalar>(
        _ p: UnsafePointer<T>, activations acts: [Activation<T>], gradRe: [T], gradIm: [T],
        batch: Int, grad: UnsafeMutablePointer<T>, inputGradient: Bool
    ) -> [T]? {
        var gr = gradRe, gi = gradIm
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[l]
            if l < layers.count - 1 {
                let a = acts[l + 1]
                for i in gr.indices { if a.re[i] <= 0 { gr[i] = 0 }; if a.im[i] <= 0 { gi[i] = 0 } }
            }
            let needIn = l > 0 || inputGradient
            var dxr = [T](repeating: 0, count: needIn ? batch * layer.inputs : 0)
            var dxi = [T](repeating: 0, count: needIn && l > 0 ? batch * layer.inputs : 0)
            let x = acts[l]
            x.im.withUnsafeBufferPointer { xi in
                dxr.withUnsafeMutableBufferPointer { r in
                    dxi.withUnsafeMutableBufferPointer { i in
                        layer.backward(
                            p, inputRe: x.re, inputIm: xi.baseAddress, gradRe: gr, gradIm: gi, batch: batch, grad: grad,
                            gradInputRe: needIn ? r.baseAddress : nil,
                            gradInputIm: l > 0 && needIn ? i.baseAddress : nil)
                    }
                }
            }
            if !needIn { return nil }
            gr = dxr; gi = dxi
        }
        return gr
    }

    /// Forward-mode: stacked real input tangents (directions × batch × inputs) → output tangents.
    func tangent<T: NeuralScalar>(
        _ p: UnsafePointer<T>, activations acts: [Activation<T>], input: [T], directions: Int,
        batch: Int
    ) -> Activation<T> {
        var t = Activation<T>(re: input, im: [])
        for (l, layer) in layers.enumerated() {
            var yr = [T](repeating: 0, count: directions * batch * layer.outputs), yi = yr
            t.im.withUnsafeBufferPointer { ti in
                layer.tangent(
                    p, inputRe: t.re, inputIm: ti.baseAddress, rows: directions * batch, outputRe: &yr, outputIm: &yi)
            }
            if l < layers.count - 1 {
                let a = acts[l + 1], n = batch * layer.outputs
                for d in 0..<directions {
                    for i in 0..<n { if a.re[i] <= 0 { yr[d * n + i] = 0 }; if a.im[i] <= 0 { yi[d * n + i] = 0 } }
                }
            }
            t = Activation(re: yr, im: yi)
        }
        return t
    }
}
