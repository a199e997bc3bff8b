public import CSIChannel

/// The self-description of a model file: what model it is, the geometry and frequencies it was trained
/// for, how channels were normalised, where and from what it was trained, how good it is, and what the
/// trainer decided. Everything a localizer or a user needs without the training data.
public struct ModelHeader: Codable, Sendable, Equatable {
    /// "physics", "inr", "hybrid", "mlp" or "rff".
    public var kind: String
    var toolVersion: String
    /// ISO-8601 creation time (informational; not part of the model's behaviour).
    var created: String
    /// Name of the scene coordinate frame.
    public var frame: String
    /// Antenna positions, metres, one [x, y, z] per antenna.
    public var antennas: [[Double]]
    /// Subcarrier frequencies, Hz.
    public var frequencies: [Double]
    /// Carrier frequency, Hz.
    public var carrier: Double
    /// Normalisation: model outputs in raw units = normalised / scale.
    public var scale: Double
    /// Where and from what the model was trained.
    public var training: TrainingInfo
    /// How good the model is on held-out samples.
    public var validation: ValidationInfo
    /// Human-readable choices made during fitting/training, in order.
    public var decisions: [String]
    /// The image-source part, when the model has one.
    public var physics: PhysicsInfo?
    /// Architecture of a neural part, as key/value text (its tensors carry the parameters).
    var neural: [String: String]?
    /// Per-frame unknowns of the survey the model was trained on (`NuisanceModel` raw value; absent = none).
    /// Localizers remove the same unknowns from every frame unless configured otherwise.
    public var nuisance: String?
    /// The validation NMSE per region of the training box (`ModelQualityMap`, docs/model.md "Quality map"); absent
    /// in files written before it was recorded (localizers then judge fixes by the noise alone).
    public var quality: ModelQualityMap?

    /// The survey's per-frame unknowns (none for files written before they were recorded).
    public var trainingNuisance: NuisanceModel? {
        guard let nuisance else { return NuisanceModel.none }
        return NuisanceModel(rawValue: nuisance)
    }

    /// Where and from what a model was trained.
    public struct TrainingInfo: Codable, Sendable, Equatable {
        /// Number of training samples.
        public var points: Int
        /// Lower corner of the training positions, metres ([x, y, z]).
        public var boundsMin: [Double]
        /// Upper corner of the training positions, metres ([x, y, z]).
        public var boundsMax: [Double]
        /// The common height of all training points, when they share one (2-D search at that height).
        var height: Double?
        /// SHA-256 of the training positions and channels.
        public var digest: String
        var densityPerLambda2: Double
        /// Seed of the training run.
        public var seed: UInt64
        /// Wall-clock training time, seconds.
        public var seconds: Double
    }

    /// How good a model is on the validation samples.
    public struct ValidationInfo: Codable, Sendable, Equatable {
        /// Number of validation samples.
        public var points: Int
        /// Validation NMSE (mean of per-sample ratios), dB.
        public var nmseDB: Double
        /// Validation ratio of sums Σ‖Ĥ − H‖² / Σ‖H‖², dB.
        public var nmseSumDB: Double
        /// The data's measurement-noise floor seen through the model's residual (`ResidualNoiseFloor`), dB: the lowest
        /// validation NMSE any model can show on these data.
        var noiseFloorDB: Double?
    }

    /// The image-source part of a model.
    public struct PhysicsInfo: Codable, Sendable, Equatable {
        var phaseModel: String
        var gainReference: [Double]
        /// Number of image sources (paths).
        public var sources: Int
        var slopeAxes: [Int]
        /// Grid of the per-path gain map (tensor `physics.gain_map`, [paths, ny, nx, 2]), when fitted.
        var gainMap: GainMapInfo?
        /// Paths that bend around an edge (tensor `physics.edges`, [paths, 19]: flag, point, direction, and the
        /// edge's wedge when it has one, `ImageSourceModel.edgeColumns`); nil when none does (files without
        /// diffracted paths are unchanged).
        var diffracted: Int?
    }

    struct GainMapInfo: Codable, Sendable, Equatable {
        var originX: Double, originY: Double, spacing: Double, nx: Int, ny: Int
    }
}
