/// `csiloc evaluate --capture … --json`: ``LocalizeReport``'s figures (the first method's at the top level,
/// each with its `estimates_digest`) plus the capture's accounting (docs/replay.md, "Evaluate").
public struct CaptureEvaluationReport: Codable, Sendable, Equatable {
    package var capture: String
    /// The model's label.
    public var model: String
    /// Labelled frames evaluated (replaced at the top level by the first method's errors counted).
    public var points: Int
    /// Always `as recorded`.
    public var condition: String = "as recorded"
    /// One entry per method.
    public var methods: [MethodReport]
    /// Records read from the capture.
    package var records: Int
    var withoutTruth: Int
    /// Frames rejected by the decoder, per reason (`not_csi` for other topics).
    package var rejected: [String: Int]
    var dimensionMismatch: Int
    package var captureDamage: [CaptureDamageEntry]
    package var wavelengthSource: String
    /// With `--track`.
    package var track: TrackReport?

    enum CodingKeys: String, CodingKey {
        case capture, model, points, condition, methods, records, withoutTruth = "without_truth", rejected
        case dimensionMismatch = "dimension_mismatch", captureDamage = "capture_damage", wavelengthSource =
            "wavelength_source"
        case track
    }

    package init(
        capture: String, model: String, points: Int, methods: [MethodReport], records: Int, withoutTruth: Int,
        rejected: [String: Int], dimensionMismatch: Int, captureDamage: [CaptureDamageEntry], wavelengthSource: String,
        track: TrackReport?
    ) {
        self.capture = capture
        self.model = model
        self.points = points
        self.methods = methods
        self.records = records
        self.withoutTruth = withoutTruth
        self.rejected = rejected
        self.dimensionMismatch = dimensionMismatch
        self.captureDamage = captureDamage
        self.wavelengthSource = wavelengthSource
        self.track = track
    }

    /// Decodes the JSON that `encode(to:)` writes.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        capture = try c.decode(String.self, forKey: .capture)
        model = try c.decode(String.self, forKey: .model)
        points = try c.decode(Int.self, forKey: .points)
        condition = try c.decode(String.self, forKey: .condition)
        methods = try c.decode([MethodReport].self, forKey: .methods)
        records = try c.decode(Int.self, forKey: .records)
        withoutTruth = try c.decode(Int.self, forKey: .withoutTruth)
        rejected = try c.decode([String: Int].self, forKey: .rejected)
        dimensionMismatch = try c.decode(Int.self, forKey: .dimensionMismatch)
        captureDamage = try c.decode([CaptureDamageEntry].self, forKey: .captureDamage)
        wavelengthSource = try c.decode(String.self, forKey: .wavelengthSource)
        track = try c.decodeIfPresent(TrackReport.self, forKey: .track)
    }

    /// Encodes the report's keys (docs/replay.md).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(capture, forKey: .capture)
        try c.encode(model, forKey: .model)
        try c.encode(condition, forKey: .condition)
        try c.encode(methods, forKey: .methods)
        try c.encode(records, forKey: .records)
        try c.encode(withoutTruth, forKey: .withoutTruth)
        try c.encode(rejected, forKey: .rejected)
        try c.encode(dimensionMismatch, forKey: .dimensionMismatch)
        try c.encode(captureDamage, forKey: .captureDamage)
        try c.encode(wavelengthSource, forKey: .wavelengthSource)
        try c.encodeIfPresent(track, forKey: .track)
        if let first = methods.first {
            try first.figures.encode(to: encoder)
        } else {
            try c.encode(points, forKey: .points)
        }
    }
}
