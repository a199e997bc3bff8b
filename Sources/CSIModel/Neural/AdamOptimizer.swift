import Numerics

/// Adam (Kingma & Ba) over a flat parameter array, with the cosine learning-rate decay of docs/method.md §5
/// (lr₀ → lr_min over `totalSteps`). Deterministic: one fixed-order loop.
struct AdamOptimizer<Scalar: NeuralScalar>: Sendable {
    var learningRate: Double
    var finalLearningRate: Double
    /// Steps over which the cosine decays; later steps stay at `finalLearningRate`.
    var totalSteps: Int
    /// Linear ramp from 0 over this many first steps (protects a warm start from Adam's first, full-size steps).
    var warmupSteps = 0
    var beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    private(set) var step = 0
    private var m: [Scalar], v: [Scalar]

    init(parameterCount: Int, learningRate: Double = 1e-3, finalLearningRate: Double = 1e-5, totalSteps: Int) {
        self.learningRate = learningRate; self.finalLearningRate = finalLearningRate;
        self.totalSteps = max(1, totalSteps)
        m = .init(repeating: 0, count: parameterCount); v = m
    }

    /// The learning rate the next step will use.
    var currentLearningRate: Double {
        let t = min(1, Double(step) / Double(totalSteps))
        let ramp = warmupSteps > 0 ? min(1, Double(step + 1) / Double(warmupSteps)) : 1
        return ramp * (finalLearningRate + 0.5 * (learningRate - finalLearningRate) * (1 + Double.cos(Double.pi * t)))
    }

    /// One update of `parameters` from `gradient`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func update(_ parameters: inout [Scalar], gradient: [Scalar]) {
        let lr = currentLearningRate
        step += 1
        let c1 = 1 - Double.pow(beta1, Double(step)), c2 = 1 - Double.pow(beta2, Double(step))
        let a = Scalar(lr / c1), b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon)
        let sc2 = Scalar(1 / c2.squareRoot())
        for i in parameters.indices {
            let g = gradient[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            parameters[i] -= a * m[i] / (v[i].squareRoot() * sc2 + eps)
        }
    }
}
