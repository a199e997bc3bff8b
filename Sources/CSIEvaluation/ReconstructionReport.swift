/// `csiloc eval --json` (docs/model.md): the model, its NMSE as given, as a ratio of sums and after each
/// sample's own gain, phase and timing, and the LoS/NLoS subsets when the dataset has LoS flags.
public struct ReconstructionReport: Codable, Sendable, Equatable {
    /// NMSE figures of one subset.
    package struct Subset: Codable, Sendable, Equatable {
        @FiniteOrNull package var nmseDB: Double
        @FiniteOrNull package var nmseSumDB: Double
        @FiniteOrNull package var nmseInvariantDB: Double
        package var points: Int

        enum CodingKeys: String, CodingKey {
            case nmseDB = "nmse_db", nmseSumDB = "nmse_sum_db", nmseInvariantDB = "nmse_invariant_db", points
        }

        init(nmseDB: Double, nmseSumDB: Double, nmseInvariantDB: Double, points: Int) {
            self.nmseDB = nmseDB
            self.nmseSumDB = nmseSumDB
            self.nmseInvariantDB = nmseInvariantDB
            self.points = points
        }
    }

    /// The model's kind (`physics`, `hybrid`, …).
    public var model: String
    var modelDigest: String
    /// NMSE (mean of per-sample ratios), dB.
    @FiniteOrNull public var nmseDB: Double
    /// Ratio of sums Σ‖Ĥ − H‖² / Σ‖H‖², dB.
    @FiniteOrNull public var nmseSumDB: Double
    /// NMSE after each sample's own gain, phase and timing are removed, dB.
    @FiniteOrNull public var nmseInvariantDB: Double
    var modelNuisance: String
    /// Number of samples evaluated.
    public var points: Int
    /// Wall time of the evaluation, seconds.
    @FiniteOrNull public var seconds: Double
    /// Channels evaluated per second.
    @FiniteOrNull public var channelsPerSecond: Double
    package var los: Subset?
    var nlos: Subset?

    enum CodingKeys: String, CodingKey {
        case model, modelDigest = "model_digest", nmseDB = "nmse_db", nmseSumDB = "nmse_sum_db"
        case nmseInvariantDB = "nmse_invariant_db", modelNuisance = "model_nuisance", points, seconds
        case channelsPerSecond = "channels_per_second", los, nlos
    }

    init(
        model: String, modelDigest: String, nmseDB: Double, nmseSumDB: Double, nmseInvariantDB: Double,
        modelNuisance: String, points: Int, seconds: Double, channelsPerSecond: Double
    ) {
        self.model = model
        self.modelDigest = modelDigest
        self.nmseDB = nmseDB
        self.nmseSumDB = nmseSumDB
        self.nmseInvariantDB = nmseInvariantDB
        self.modelNuisance = modelNuisance
        self.points = points
        self.seconds = seconds
        self.channelsPerSecond = channelsPerSecond
    }
}
