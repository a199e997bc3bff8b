/// `csiloc evaluate --positions … --json`: the daemon's fixes as one method (no threads or build time) with its
/// figures also at the top level, and the matching's accounting (docs/replay.md, "From what a live daemon published").
public struct PositionsEvaluationReport: Codable, Sendable, Equatable {
    /// Path of the positions capture evaluated.
    public var positions: String
    package var truth: String
    /// Always `live`.
    public var condition: String = "live"
    /// The live method's entry.
    public var method: MethodReport
    package var matched: Int
    var failed: Int
    var duplicateFixes: Int
    var unmatchedFixes: Int
    package var missingFrames: Int
    package var undecodable: Int
    var positionRecords: Int
    var truthFrames: Int
    /// Median `latency_ms` of the matched fixes (receipt → publish), ms.
    @FiniteOrNull public var latencyMsMedian: Double
    var horizontal: Bool
    package var wavelengthSource: String
    package var captureDamage: [CaptureDamageEntry]
    var truthCaptureDamage: [CaptureDamageEntry]
    package var track: TrackReport?

    enum CodingKeys: String, CodingKey {
        case positions, truth, condition, methods, matched, failed, duplicateFixes = "duplicate_fixes"
        case unmatchedFixes = "unmatched_fixes", missingFrames = "missing_frames", undecodable
        case positionRecords = "position_records", truthFrames = "truth_frames", latencyMsMedian = "latency_ms_median"
        case horizontal, wavelengthSource = "wavelength_source", captureDamage = "capture_damage"
        case truthCaptureDamage = "truth_capture_damage", track
    }

    package init(
        positions: String, truth: String, method: MethodReport, matched: Int, failed: Int, duplicateFixes: Int,
        unmatchedFixes: Int, missingFrames: Int, undecodable: Int, positionRecords: Int, truthFrames: Int,
        latencyMsMedian: Double, horizontal: Bool, wavelengthSource: String, captureDamage: [CaptureDamageEntry],
        truthCaptureDamage: [CaptureDamageEntry], track: TrackReport?
    ) {
        self.positions = positions
        self.truth = truth
        self.method = method
        self.matched = matched
        self.failed = failed
        self.duplicateFixes = duplicateFixes
        self.unmatchedFixes = unmatchedFixes
        self.missingFrames = missingFrames
        self.undecodable = undecodable
        self.positionRecords = positionRecords
        self.truthFrames = truthFrames
        self.latencyMsMedian = latencyMsMedian
        self.horizontal = horizontal
        self.wavelengthSource = wavelengthSource
        self.captureDamage = captureDamage
        self.truthCaptureDamage = truthCaptureDamage
        self.track = track
    }

    /// Decodes the JSON that `encode(to:)` writes.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        positions = try c.decode(String.self, forKey: .positions)
        truth = try c.decode(String.self, forKey: .truth)
        condition = try c.decode(String.self, forKey: .condition)
        let methods = try c.decode([MethodReport].self, forKey: .methods)
        guard methods.count == 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .methods, in: c, debugDescription: "expected exactly one method, got \(methods.count)")
        }
        method = methods[0]
        matched = try c.decode(Int.self, forKey: .matched)
        failed = try c.decode(Int.self, forKey: .failed)
        duplicateFixes = try c.decode(Int.self, forKey: .duplicateFixes)
        unmatchedFixes = try c.decode(Int.self, forKey: .unmatchedFixes)
        missingFrames = try c.decode(Int.self, forKey: .missingFrames)
        undecodable = try c.decode(Int.self, forKey: .undecodable)
        positionRecords = try c.decode(Int.self, forKey: .positionRecords)
        truthFrames = try c.decode(Int.self, forKey: .truthFrames)
        _latencyMsMedian = try c.decode(FiniteOrNull.self, forKey: .latencyMsMedian)
        horizontal = try c.decode(Bool.self, forKey: .horizontal)
        wavelengthSource = try c.decode(String.self, forKey: .wavelengthSource)
        captureDamage = try c.decode([CaptureDamageEntry].self, forKey: .captureDamage)
        truthCaptureDamage = try c.decode([CaptureDamageEntry].self, forKey: .truthCaptureDamage)
        track = try c.decodeIfPresent(TrackReport.self, forKey: .track)
    }

    /// `points` at the top level is the method's (errors counted).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(positions, forKey: .positions)
        try c.encode(truth, forKey: .truth)
        try c.encode(condition, forKey: .condition)
        try c.encode([method], forKey: .methods)
        try c.encode(matched, forKey: .matched)
        try c.encode(failed, forKey: .failed)
        try c.encode(duplicateFixes, forKey: .duplicateFixes)
        try c.encode(unmatchedFixes, forKey: .unmatchedFixes)
        try c.encode(missingFrames, forKey: .missingFrames)
        try c.encode(undecodable, forKey: .undecodable)
        try c.encode(positionRecords, forKey: .positionRecords)
        try c.encode(truthFrames, forKey: .truthFrames)
        try c.encode(_latencyMsMedian, forKey: .latencyMsMedian)
        try c.encode(horizontal, forKey: .horizontal)
        try c.encode(wavelengthSource, forKey: .wavelengthSource)
        try c.encode(captureDamage, forKey: .captureDamage)
        try c.encode(truthCaptureDamage, forKey: .truthCaptureDamage)
        try c.encodeIfPresent(track, forKey: .track)
        try method.figures.encode(to: encoder)
    }
}
