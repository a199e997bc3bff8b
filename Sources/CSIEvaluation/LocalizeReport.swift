/// `csiloc localize --json`: the run's inputs, every method's report, and the first method's figures again at
/// the top level (the single-method shortcut scripts read: `median_error_m`, `p90_error_m`, …).
public struct LocalizeReport: Codable, Sendable, Equatable {
    /// The test dataset's path.
    package var data: String
    /// The model's label (`physics(1a2b…)`, `oracle(street)`).
    public var model: String
    /// Test points localized.
    public var points: Int
    /// `as recorded` or `<snr> dB SNR`.
    public var condition: String
    /// One entry per method and condition.
    public var methods: [MethodReport]

    enum CodingKeys: String, CodingKey { case data, model, points, condition, methods }

    package init(data: String, model: String, points: Int, condition: String, methods: [MethodReport]) {
        self.data = data
        self.model = model
        self.points = points
        self.condition = condition
        self.methods = methods
    }

    /// The first method's figures are written at the top level; its `points` (errors counted) replaces the
    /// run's.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(data, forKey: .data)
        try c.encode(model, forKey: .model)
        try c.encode(condition, forKey: .condition)
        try c.encode(methods, forKey: .methods)
        try methods.encodeFirstFigures(orPoints: points, to: encoder)
    }
}
