public import CSIChannel
import CSINumerics

/// Settings of `NeuralTrainer` (defaults: docs/method.md §5 proposals).
public struct TrainingOptions: Sendable {
    /// Peak learning rate of Adam (after the warm-up; then cosine decay).
    public var learningRate = 1e-3
    /// The cosine decay ends here.
    var finalLearningRate = 1e-5
    /// Samples per mini-batch (at most; see `minimumStepsPerEpoch`).
    public var batchSize = 512
    /// At least this many Adam steps per epoch: a training set smaller than `batchSize` × this gets batches of
    /// ⌈n / this⌉ samples, but never fewer than `minimumBatchSize`. 0 (the default): always `batchSize`.
    /// What limits a network on a small survey is the number of steps, not of epochs (docs/model-neural.md,
    /// "Residual network": on a 2 m × 2 m NLoS survey of 2 970 samples, batches of 512 gave 6 steps per epoch).
    public var minimumStepsPerEpoch = 0
    /// The smallest batch `minimumStepsPerEpoch` may ask for.
    public var minimumBatchSize = 64
    /// Parameters (by tensor-name prefix, e.g. `MBINR.geometryBranchPrefixes`) whose Adam steps are scaled by
    /// `slowStepScale`, and not taken at all during the first `freezeEpochs` epochs. Adam moves every weight by ≈ the
    /// learning rate per step whatever the size of its gradient, and an output of a 256-wide layer then moves by
    /// ≈ 256 × that: for a residual network's delays (units of 100 ns) tens of nanoseconds per step, which throws its
    /// atoms off the warm-started paths (docs/model-neural.md, "Residual network").
    public var slowPrefixes: [String] = []
    /// See `slowPrefixes` (1: no scaling).
    public var slowStepScale = 1.0
    /// See `slowPrefixes`. Early stopping (`patience`) counts only the validations after these epochs.
    public var freezeEpochs = 0
    /// Epochs of linear learning-rate warm-up (use 1–3 after a warm start so the first Adam steps do not undo it).
    public var warmupEpochs = 0
    /// Maximum number of epochs (the cosine horizon without a time budget).
    public var epochs = 200
    /// Wall-clock budget; with it the cosine horizon is fixed after the first epoch from its duration, so runs
    /// stopped by time are not bit-reproducible (runs stopped by `epochs` are).
    public var minutes: Double? = nil
    /// Stop after this many validations without a new best validation NMSE.
    public var patience = 25
    /// Validate every this many epochs.
    var validationInterval = 1
    /// Seed of the batch order.
    public var seed: UInt64 = 1
    /// Each batch's gradient is computed in this many fixed slices and summed in order, so the result does not
    /// depend on `threads` (same seed ⇒ bit-identical parameters with 1 or 2 threads).
    public var shards = 2
    /// Worker threads for the slices.
    public var threads = Parallel.defaultWidth
    /// OpenBLAS threads while training (1: the slices are the parallelism; measured faster, see
    /// docs/model-neural.md). Set `shards = 1, blasThreads = 2` to let OpenBLAS parallelise the GEMMs instead.
    public var blasThreads = 1
    /// Training points (a fixed subset) on which the train NMSE is measured at each validation.
    var trainMetricSamples = 2000
    /// Label passed to the progress callback.
    public var stage = "train"
    /// Per-frame unknowns of the survey (docs/model-neural.md, "Unsynchronised surveys"). `.none`: the loss is
    /// ‖Ĥ − H‖² (bit-identical to training without this option). Otherwise each sample's loss is the
    /// variable-projection cost min_{α,τ} ‖H − α D(τ) Ĥ‖² (gradient by the envelope theorem, through pseudo-targets)
    /// and every NMSE the trainer reports, validation and early stopping included, is nuisance-invariant.
    /// Needs the channels as targets (no residual targets).
    public var nuisance: NuisanceModel = .none
    /// With a nuisance: weight γ of the gauge penalty γ·Q·(Σ_b‖Ĥ_b‖²/Σ_b‖H_b‖² − 1)² per batch (Q = Σ_b‖H_b‖², or the
    /// batch size with `normalisePerSample`). The cost does not see the model's gain; the penalty would hold its mean
    /// energy at the survey's. Default 0: every γ > 0 measured cost invariant NMSE (up to 5 dB for RFF on a small
    /// two-path scene, ≤ 0.3 dB on the street patch; docs/model-neural.md), so the gain is left free while training
    /// and fixed afterwards from `TrainingReport.outputEnergyRatio` (exact: a real factor changes no invariant cost).
    var gaugeWeight = 0.0
    /// With a nuisance: weight each sample's cost (and penalty) by 1/‖H‖² (every sample counts alike, the NMSE
    /// the trainer reports) instead of 1 (strong samples count more, like the loss without a nuisance).
    var normalisePerSample = false

    /// Creates the defaults documented on each property.
    public init() {}

    /// The batch size for `samples` training samples: `batchSize`, shrunk to give `minimumStepsPerEpoch` steps per
    /// epoch (not below `minimumBatchSize`), never more than the samples.
    func batchSize(samples n: Int) -> Int {
        var b = batchSize
        if minimumStepsPerEpoch > 0 {
            let wanted = (n + minimumStepsPerEpoch - 1) / minimumStepsPerEpoch
            b = Swift.min(b, Swift.max(minimumBatchSize, wanted))
        }
        return Swift.max(1, Swift.min(b, n))
    }
}

/// One progress report, sent after every validation.
public struct TrainingProgress: Sendable {
    /// The training stage reported (e.g. the branch pre-fit or the full training).
    public var stage: String
    var epoch: Int
    /// Planned epochs of this stage.
    public var epochs: Int
    /// Mean ‖Ĥ − H‖²_F per sample over the last epoch (network units); with a nuisance, the mean
    /// variable-projection cost min_{α,τ} ‖H − α D(τ) Ĥ‖²_F (not normalised and without the gauge penalty).
    var loss: Double
    /// Per-location-mean NMSE on the train subset and on validation, dB.
    var trainNMSE: Double
    var validationNMSE: Double
    var bestValidationNMSE: Double
    /// Learning rate of the last epoch.
    public var learningRate: Double
    var elapsedSeconds: Double
    /// Estimated seconds left (epochs or time budget, whichever ends first).
    var etaSeconds: Double
}
