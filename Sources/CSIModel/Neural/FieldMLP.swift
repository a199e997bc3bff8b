public import CSIChannel
import CSINumerics

/// Architecture of the baselines of docs/method.md §6: a real MLP from the position (or from random Fourier
/// features of it) straight to the 2·N_a·N_s real and imaginary parts of H.
public struct FieldMLPConfiguration: Sendable, Codable, Equatable {
    /// How the position enters the network.
    enum Encoding: Sendable, Codable, Equatable {
        /// (x − o)/halfExtent: the plain MLP, which shows the spectral bias (stays near 0 dB).
        case coordinates
        /// [cos(B(x − o)), sin(B(x − o))] with B (features × d) Gaussian N(0, σ²) rad/m drawn from `seed`
        /// (Tancik-style RFF; σ = 2π/λ in docs/method.md §6.1). Phases in Float64.
        case randomFourier(features: Int, sigma: Double, seed: UInt64)
    }

    /// Antennas, subcarriers, phase origin and input normalisation of the network.
    public var geometry: NeuralGeometry
    var encoding: Encoding
    /// Hidden widths (ReLU).
    var hiddenWidths: [Int]

    init(geometry: NeuralGeometry, encoding: Encoding = .coordinates, hiddenWidths: [Int] = [256, 256, 256]) {
        self.geometry = geometry; self.encoding = encoding; self.hiddenWidths = hiddenWidths
    }

    var inputWidth: Int {
        switch encoding {
        case .coordinates: return geometry.inputDimensions
        case .randomFourier(let m, _, _): return 2 * m
        }
    }

    /// The RFF frequency matrix (features × d, rad/m), empty for `.coordinates`.
    var fourierMatrix: [Double] {
        guard case .randomFourier(let m, let sigma, let seed) = encoding else { return [] }
        var rng = SeededGenerator(seed: seed, stream: 0x5246_4646) // "RFFF"
        return (0..<(m * geometry.inputDimensions)).map { _ in sigma * rng.nextGaussian() }
    }
}

/// The MLP / RFF baseline network (same trainer, same `NeuralField` interface as the MB-INR).
public struct FieldMLP<Scalar: NeuralScalar>: Sendable {
    /// The architecture (rebuilds the network with `parameters`).
    public let configuration: FieldMLPConfiguration
    /// The trainable parameters.
    public var parameters: ParameterSet<Scalar>
    let mlp: RealMLP
    let fourier: [Double]

    init(configuration: FieldMLPConfiguration, seed: UInt64) throws {
        try self.init(layout: configuration)
        var rng = SeededGenerator(seed: seed, stream: 0x4D4C_5042) // "MLPB"
        mlp.initialise(&parameters.values, rng: &rng)
    }

    init(configuration: FieldMLPConfiguration, tensors: [NamedTensor]) throws {
        try self.init(layout: configuration)
        try parameters.load(tensors)
    }

    private init(layout c: FieldMLPConfiguration) throws {
        guard (2...3).contains(c.geometry.inputDimensions), c.inputWidth > 0 else {
            throw NeuralModelError.invalidConfiguration("baseline needs 2-D or 3-D input and ≥ 1 feature")
        }
        configuration = c
        var p = ParameterSet<Scalar>()
        let out = 2 * c.geometry.antennas.count * c.geometry.frequencies.count
        mlp = RealMLP("mlp", widths: [c.inputWidth] + c.hiddenWidths + [out], parameters: &p)
        parameters = p
        fourier = c.fourierMatrix
    }

    private init(copying o: FieldMLP<some NeuralScalar>, parameters: ParameterSet<Scalar>) {
        configuration = o.configuration; self.parameters = parameters; mlp = o.mlp; fourier = o.fourier
    }

    /// The same network in another precision.
    func converted<Other: NeuralScalar>(to: Other.Type = Other.self) -> FieldMLP<Other> {
        FieldMLP<Other>(copying: self, parameters: parameters.converted())
    }

    /// Network input rows, and for RFF the feature phases (batch × features) for the tangent pass.
    func encode(_ positions: UnsafeBufferPointer<Point3>) -> (input: [Scalar], phases: [Double]) {
        let g = configuration.geometry
        guard case .randomFourier(let m, _, _) = configuration.encoding else {
            return (g.normalisedInputs(positions), [])
        }
        let d = g.inputDimensions, nb = positions.count
        var x = [Scalar](repeating: 0, count: nb * 2 * m), ph = [Double](repeating: 0, count: nb * m)
        for b in 0..<nb {
            let u = positions[b] - g.origin
            for f in 0..<m {
                var t = 0.0
                for c in 0..<d { t += fourier[f * d + c] * u[c] }
                let (s, co) = sinCos(t)
                ph[b * m + f] = t
                x[b * 2 * m + f] = Scalar(co); x[b * 2 * m + m + f] = Scalar(s)
            }
        }
        return (x, ph)
    }
}

extension FieldMLP: NeuralField {
    /// Antennas, subcarriers, phase origin and input normalisation of the network.
    public var geometry: NeuralGeometry { configuration.geometry }
    /// The architecture, as stored in a model file.
    public var architecture: NeuralArchitecture { .fieldMLP(configuration) }

    /// Ĥ for each position into `output` (2·N_a·N_s values per position).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predict(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutablePointer<Scalar>) {
        let acts = parameters.values.withUnsafeBufferPointer {
            mlp.forward($0.baseAddress!, input: encode(positions).input, batch: positions.count)
        }
        let y = acts[acts.count - 1]
        for i in y.indices { output[i] = y[i] }
    }

    /// Adds `weight`·∂/∂θ Σ‖Ĥ − H‖²_F against `targets` to `gradient`; returns Σ‖Ĥ − H‖²_F.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func accumulateGradient(
        _ positions: UnsafeBufferPointer<Point3>, targets: UnsafePointer<Scalar>, weight: Scalar,
        gradient: UnsafeMutablePointer<Scalar>
    ) -> Double {
        let nb = positions.count
        return parameters.values.withUnsafeBufferPointer { pb in
            let acts = mlp.forward(pb.baseAddress!, input: encode(positions).input, batch: nb)
            var g = acts[acts.count - 1]
            var loss = 0.0
            for i in g.indices {
                let d = g[i] - targets[i]
                loss += Double(d) * Double(d)
                g[i] = 2 * weight * d
            }
            _ = mlp.backward(
                pb.baseAddress!, activations: acts, gradOutput: g, batch: nb, grad: gradient, inputGradient: false)
            return loss
        }
    }

    /// Ĥ(x) into `value` and ∂Ĥ/∂x, ∂Ĥ/∂y, ∂Ĥ/∂z into three blocks of `jacobian` (exact, forward mode).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predictWithJacobian(
        at position: Point3, value: UnsafeMutablePointer<Scalar>, jacobian: UnsafeMutablePointer<Scalar>
    ) {
        let g = configuration.geometry, nd = g.inputDimensions, per = valuesPerChannel
        [position].withUnsafeBufferPointer { p in
            let (input, phases) = encode(p)
            parameters.values.withUnsafeBufferPointer { pb in
                let acts = mlp.forward(pb.baseAddress!, input: input, batch: 1)
                let y = acts[acts.count - 1]
                for i in 0..<per { value[i] = y[i] }
                var tin: [Scalar]
                if case .randomFourier(let m, _, _) = configuration.encoding {
                    // d/dx_c [cos t, sin t] = [−sin t, cos t]·B_{f,c}
                    tin = [Scalar](repeating: 0, count: nd * 2 * m)
                    for c in 0..<nd {
                        for f in 0..<m {
                            let (s, co) = sinCos(phases[f]), bfc = fourier[f * nd + c]
                            tin[c * 2 * m + f] = Scalar(-s * bfc); tin[c * 2 * m + m + f] = Scalar(co * bfc)
                        }
                    }
                } else {
                    tin = g.inputTangents(batch: 1)
                }
                let t = mlp.tangent(pb.baseAddress!, activations: acts, input: tin, directions: nd, batch: 1)
                for c in 0..<3 {
                    for i in 0..<per { jacobian[c * per + i] = c < nd ? t[c * per + i] : 0 }
                }
            }
        }
    }
}
