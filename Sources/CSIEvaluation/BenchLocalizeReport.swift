/// `csiloc bench localize --json`: the run's size and one ``MethodReport`` per method and condition.
public struct BenchLocalizeReport: Codable, Sendable, Equatable {
    /// Always `localize`.
    var benchmark = "localize"
    /// Name of the scene benchmarked.
    public var scene: String
    /// Number of test points localized.
    public var points: Int
    package var threads: Int
    /// SNR of the noisy condition, dB.
    public var snrDB: Double
    /// What one model evaluation costs (one thread).
    var modelThroughput: ModelThroughput?
    /// Each method's `clean` entry, then its noisy one (`condition`).
    public var methods: [MethodReport]

    enum CodingKeys: String, CodingKey {
        case benchmark, scene, points, threads, snrDB = "snr_db", modelThroughput = "model_throughput", methods
    }

    init(
        scene: String, points: Int, threads: Int, snrDB: Double, modelThroughput: ModelThroughput? = nil,
        methods: [MethodReport]
    ) {
        self.modelThroughput = modelThroughput
        self.scene = scene
        self.points = points
        self.threads = threads
        self.snrDB = snrDB
        self.methods = methods
    }
}
