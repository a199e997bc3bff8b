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
        try methods.encodeFirstFigures(orPoints: points, to: encoder)
    }
}
