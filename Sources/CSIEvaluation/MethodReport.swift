/// One entry of a report's `methods` array: the method's name, its ``MethodFigures`` and, in `bench localize`,
/// the condition (`clean`, `5 dB`) the figures were measured under.
public struct MethodReport: Codable, Sendable, Equatable {
    /// The method's name (`robust`, `3nn`, `csilocd (live)`, ...).
    public var method: String
    package var figures: MethodFigures
    /// The condition measured under (`clean`, `5 dB`, ...); nil when the report has one condition.
    public var condition: String?

    enum CodingKeys: String, CodingKey { case method, condition }

    package init(method: String, figures: MethodFigures, condition: String? = nil) {
        self.method = method
        self.figures = figures
        self.condition = condition
    }

    /// The report of `r` (gross errors above λ₀/2).
    package init(_ r: MethodResult, wavelength: Double, los: [Bool]?) {
        self.init(method: r.name, figures: MethodFigures(r, wavelength: wavelength, los: los))
    }

    /// Decodes the JSON that `encode(to:)` writes.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        method = try c.decode(String.self, forKey: .method)
        condition = try c.decodeIfPresent(String.self, forKey: .condition)
        figures = try MethodFigures(from: decoder)
    }

    /// The figures' keys and `method` (and `condition`) in one object.
    public func encode(to encoder: any Encoder) throws {
        try figures.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encodeIfPresent(condition, forKey: .condition)
    }
}

extension [MethodReport] {
    /// Writes the first method's figures at the top level of `encoder` (its `points`, the errors counted, stand for
    /// the run's), or the run's `points` when there is no method: the single-method shortcut of the `localize` and
    /// `evaluate` reports (``LocalizeReport``, ``CaptureEvaluationReport``).
    func encodeFirstFigures(orPoints points: Int, to encoder: any Encoder) throws {
        if let first {
            try first.figures.encode(to: encoder)
        } else {
            var c = encoder.container(keyedBy: RunPointsKey.self)
            try c.encode(points, forKey: .points)
        }
    }
}

/// The run's `points` key, written when a report has no method.
private enum RunPointsKey: String, CodingKey { case points }
