import CSISearch

/// The JSON figures of one method's results (every key of a `methods[]` entry but `method`), also written at
/// the top level of the `localize` and `evaluate` reports for their first method. Keys: docs/localization.md
/// and docs/replay.md.
public struct MethodFigures: Codable, Sendable, Equatable {
    /// Errors counted (NaN errors excluded).
    public var points: Int
    /// Median localization error, metres.
    @FiniteOrNull public var medianErrorM: Double
    /// 75th percentile of the error, metres.
    @FiniteOrNull public var p75ErrorM: Double
    /// 90th percentile of the error, metres.
    @FiniteOrNull public var p90ErrorM: Double
    /// 95th percentile of the error, metres.
    @FiniteOrNull public var p95ErrorM: Double
    /// 99th percentile of the error, metres.
    @FiniteOrNull public var p99ErrorM: Double
    /// Mean localization error, metres.
    @FiniteOrNull public var meanErrorM: Double
    /// Share of errors above λ₀/2.
    @FiniteOrNull public var grossErrorRate: Double
    /// λ₀ the gross-error rate is judged against, metres.
    @FiniteOrNull public var wavelengthM: Double
    /// Absent for the track (which has no throughput of its own).
    package var framesPerSecond: Double?
    /// Absent for fixes that came from a daemon and for the track.
    package var threads: Int?
    package var buildSeconds: Double?
    /// Present when LoS flags are known and both kinds occur.
    package var los: SubsetFigures?
    var nlos: SubsetFigures?
    /// Present for localizer fixes (not for 3-NN or wire fixes).
    var stages: [StageFigures]?
    /// Share of fixes whose status is flagged (`FixStatus.isFlagged`: gross-error-suspected, model-untrusted,
    /// ambiguous; localizer fixes only).
    var flaggedRate: Double?
    /// Fixes by where their noise level came from (`NoiseSource` raw values; sources with none left out).
    var noiseSources: [String: Int]?
    /// ``EstimatesDigest`` of the estimates (`evaluate` only).
    package var estimatesDigest: String?

    enum CodingKeys: String, CodingKey {
        case points, medianErrorM = "median_error_m", p75ErrorM = "p75_error_m", p90ErrorM = "p90_error_m"
        case p95ErrorM = "p95_error_m", p99ErrorM = "p99_error_m", meanErrorM = "mean_error_m"
        case grossErrorRate = "gross_error_rate", wavelengthM = "wavelength_m", framesPerSecond = "frames_per_second"
        case threads, buildSeconds = "build_seconds", los, nlos, stages, flaggedRate = "flagged_rate"
        case noiseSources = "noise_sources"
        case estimatesDigest = "estimates_digest"
    }

    /// The figures of `r`, with gross errors above λ₀/2.
    public init(_ r: MethodResult, wavelength: Double, los: [Bool]?) {
        let s = r.statistics(wavelength: wavelength)
        points = s.count
        medianErrorM = s.median
        p75ErrorM = s.p75
        p90ErrorM = s.p90
        p95ErrorM = s.p95
        p99ErrorM = s.p99
        meanErrorM = s.mean
        grossErrorRate = s.grossErrorRate
        wavelengthM = wavelength
        framesPerSecond = r.framesPerSecond
        threads = r.threads
        buildSeconds = r.buildSeconds
        if let split = LoSSplit(errors: r.errors, los: los) {
            self.los = SubsetFigures(ErrorStatistics(errors: split.los, grossThreshold: wavelength / 2))
            nlos = SubsetFigures(ErrorStatistics(errors: split.nlos, grossThreshold: wavelength / 2))
        }
        if let fixes = r.fixes {
            stages = StageTable(fixes).rows.map(StageFigures.init)
            flaggedRate = Double(fixes.filter { $0.status.isFlagged }.count) / Double(max(1, fixes.count))
            noiseSources = Dictionary(fixes.map { ($0.noiseSource.rawValue, 1) }, uniquingKeysWith: +)
        }
    }
}
