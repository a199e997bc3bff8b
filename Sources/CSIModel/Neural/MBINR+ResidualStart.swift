import CSIChannel
import CSINumerics

extension MBINR {
    /// Start of a network that learns the residual of `physics` (the hybrid model, docs/model-neural.md): the delay
    /// and direction branches are fitted to the physics paths as in `warmStart`, the amplitude branch is left at its
    /// random initialisation except for its output layer, which is zeroed, so that the network starts at exactly
    /// zero output with every hidden unit alive. Returns the final branch loss (delays and directions only).
    ///
    /// Fitting small amplitude targets instead (the earlier start: the physics amplitudes × 10⁻³) drives the
    /// amplitude branch's hidden ReLUs to zero — the cheapest way to output almost nothing — and a branch whose
    /// units are dead for every input has no gradient: on a dense NLoS survey, 200 of 256 units of the last hidden
    /// layer were dead for one seed and the residual loss stayed at its first value for 300 epochs. From a zero output
    /// layer the gradient reaches that layer's weights through live activations at once.
    @discardableResult
    mutating func residualStart(
        from physics: some PathDecomposition, positions: [Point3], epochs: Int, seed: UInt64 = 1
    ) -> Double {
        var targets = physicsTargets(physics, positions: positions, scale: 1)
        targets.amplitudeRe = nil; targets.amplitudeIm = nil; targets.amplitudeWeight = nil
        let loss = fitBranches(targets, epochs: epochs, learningRate: 3e-3, seed: seed)
        silenceAmplitudeOutput()
        return loss
    }

    /// Tensor-name prefixes of the delay and direction branches (the atoms' geometry), for
    /// `TrainingOptions.slowPrefixes`.
    static var geometryBranchPrefixes: [String] { ["direction.", "delay."] }

    /// Zeroes the weights and biases of the amplitude branch's output layer: z(x) = 0, so w(x) = 0 and Ĥ = 0.
    mutating func silenceAmplitudeOutput() {
        let last = amplitude.layers[amplitude.layers.count - 1]
        let weights = last.inputs * last.outputs
        for i in 0..<weights {
            parameters.values[last.weightRe + i] = 0; parameters.values[last.weightIm + i] = 0
        }
        for i in 0..<last.outputs {
            parameters.values[last.biasRe + i] = 0; parameters.values[last.biasIm + i] = 0
        }
    }
}
