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
    public var antennas: [[Double]]
    public var frequencies: [Double]
    public var carrier: Double
    /// Normalisation: model outputs in raw units = normalised / scale.
    public var scale: Double
    public var training: TrainingInfo
    public var validation: ValidationInfo
    /// Human-readable choices made during fitting/training, in order.
    public var decisions: [String]
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

    public struct TrainingInfo: Codable, Sendable, Equatable {
        public var points: Int
        public var boundsMin: [Double]
        public var boundsMax: [Double]
        /// The common height of all training points, when they share one (2-D search at that height).
        var height: Double?
        /// SHA-256 of the training positions and channels.
        public var digest: String
        var densityPerLambda2: Double
        public var seed: UInt64
        public var seconds: Double
    }

    public struct ValidationInfo: Codable, Sendable, Equatable {
        public var points: Int
        public var nmseDB: Double
        public var nmseSumDB: Double
        /// The data's measurement-noise floor seen through the model's residual (`ResidualNoiseFloor`), dB: the lowest
        /// validation NMSE any model can show on these data.
        var noiseFloorDB: Double?
    }

    public struct PhysicsInfo: Codable, Sendable, Equatable {
        var phaseModel: String
        var gainReference: [Double]
        public var sources: Int
        var slopeAxes: [Int]
        /// Grid of the per-path gain map (tensor `physics.gain_map`, [paths, ny, nx, 2]), when fitted.
        var gainMap: GainMapInfo?
    }

    struct GainMapInfo: Codable, Sendable, Equatable {
        var originX: Double, originY: Double, spacing: Double, nx: Int, ny: Int
    }
}
