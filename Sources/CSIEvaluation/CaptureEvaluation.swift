public import CSICapture
public import CSIChannel
public import CSISearch
public import CSITracking
public import CSIWire
import Foundation

/// `csiloc evaluate --capture`: every labelled frame of a CSI capture localized in-process with each method and
/// scored against its truth, optionally also through the daemon's tracker.
public struct CaptureEvaluation: Sendable {
    /// What to run.
    public struct Request: Sendable {
        /// Search methods, in report order (the first one is also tracked and summarised at the top level).
        public var methods: [SearchMethod] = [.robust]
        /// `--config`: a JSON object overriding `LocalizerConfiguration` fields (``ConfigurationPatch``).
        public var configPatch: String?
        /// The frames' per-frame unknowns; nil: those the model was trained with.
        public var nuisance: NuisanceModel?
        package var threads: Int
        /// Evaluate only the first N labelled frames.
        public var limit: Int?
        /// Carrier for λ₀ when given (else the capture's, else the model's mean subcarrier frequency).
        public var carrier: Double?
        /// Also run the first method's fixes through the tracker with these settings.
        public var tracker: TrackerConfiguration?

        /// Creates a request on `threads` threads with the defaults above.
        public init(threads: Int) {
            self.threads = threads
        }
    }

    /// Path of the capture evaluated.
    public var file: String
    /// The model's label (`kind(digest prefix)`, or `oracle(scene)`).
    public var label: String
    /// One result per method, in request order.
    public var results: [MethodResult]
    /// The labelled frames read from the capture.
    public var frames: LabeledCapture
    /// The frames as a test set (channels with their true positions).
    public var test: TestSet
    /// λ₀ the errors are judged against, metres.
    public var wavelength: Double
    /// Where λ₀ came from: `--carrier`, `capture carrier` or `mean subcarrier frequency`.
    package var wavelengthSource: String
    /// With a tracker: the first method's fixes through it.
    package var track: TrackScore?

    /// Loads the capture and localizes every labelled frame with each method.
    ///
    /// - Throws: `CaptureError` (unreadable file), ``EvaluationError`` (no labelled frame, or frames of another
    ///   shape than the model's), ``ConfigurationPatch/PatchError``, `LocalizerConfigurationError`.
    public static func run(
        capture path: String, model loaded: EvaluationModel, request: Request
    ) throws -> CaptureEvaluation {
        var frames = try LabeledCapture.load(path: path)
        let model = loaded.model
        guard frames.count > 0 else {
            throw EvaluationError(
                "\(path): no CSI frame with a truth (\(frames.recordsRead) records, \(frames.withoutTruth) without truth, rejected \(frames.rejected))"
            )
        }
        guard frames.antennaCount == model.antennaCount, frames.subcarrierCount == model.subcarrierCount else {
            throw EvaluationError(
                "\(path): \(frames.antennaCount) antennas × \(frames.subcarrierCount) subcarriers, but the model has \(model.antennaCount) × \(model.subcarrierCount)"
            )
        }
        if let limit = request.limit, limit < frames.count { frames.truncate(to: limit) }
        let test = TestSet(
            positions: frames.truths, csi: frames.samples, valuesPerChannel: model.valuesPerChannel,
            los: frames.completeLoS, reportedSNRdB: frames.reportedSNRdB)
        let (wavelength, source) = Self.wavelength(
            metadata: frames.metadata, carrier: request.carrier,
            fallbackFrequencies: model.frequencies)
        var results: [MethodResult] = []
        for m in request.methods {
            let c = try ConfigurationPatch.apply(
                request.configPatch, method: m, nuisance: request.nuisance ?? loaded.nuisance)
            results.append(
                try LocalizationRunner.run(
                    name: m.rawValue, model: model, region: loaded.region, configuration: c,
                    test: test, width: request.threads, quality: loaded.quality))
        }
        var trackScore: TrackScore?
        if let tracker = request.tracker, let fixes = results.first?.fixes {
            trackScore = TrackScoring.offline(
                fixes, frames: frames, region: loaded.region, configuration: tracker, wavelength: wavelength)
            trackScore?.result.name = results[0].name + "+track"
        }
        return CaptureEvaluation(
            file: path, label: loaded.label, results: results, frames: frames, test: test,
            wavelength: wavelength, wavelengthSource: source, track: trackScore)
    }

    /// λ₀ from `carrier` when given, else the capture's carrier (as `localize` takes the dataset's), else the
    /// mean subcarrier frequency; with where it came from.
    public static func wavelength(
        metadata: CaptureMetadata?, carrier: Double?, fallbackFrequencies: [Double]
    ) -> (Double, String) {
        if let carrier { return (speedOfLight / carrier, "--carrier") }
        if let c = metadata?.carrier, c > 0, c.isFinite { return (speedOfLight / c, "capture carrier") }
        let mean = fallbackFrequencies.reduce(0, +) / Double(max(fallbackFrequencies.count, 1))
        return (speedOfLight / mean, "mean subcarrier frequency")
    }

    /// The `--json` report.
    public var report: CaptureEvaluationReport {
        let methods = results.map { r -> MethodReport in
            var m = MethodReport(r, wavelength: wavelength, los: test.los)
            m.figures.estimatesDigest = EstimatesDigest.sha256(r.estimates)
            return m
        }
        return CaptureEvaluationReport(
            capture: file, model: label, points: test.count, methods: methods, records: frames.recordsRead,
            withoutTruth: frames.withoutTruth, rejected: frames.rejected, dimensionMismatch: frames.dimensionMismatch,
            captureDamage: CaptureDamageEntry.all(frames.report), wavelengthSource: wavelengthSource,
            track: track.map { TrackReport($0, wavelength: wavelength) })
    }

    /// The text summary: a heading, each method's summary, stage table and estimates digest, the track, and the
    /// frames that did not count.
    public var lines: [String] {
        var lines = [
            String(
                format: "evaluate: %@ with %@, %d frames with truth (of %d records), λ₀ = %.3f cm (%@)",
                file, label, test.count, frames.recordsRead, 100 * wavelength, wavelengthSource)
        ]
        for r in results {
            lines += LocalizationReport.summary(r, wavelength: wavelength, los: test.los)
            lines += LocalizationReport.stages(r)
            lines.append("  estimates digest \(EstimatesDigest.sha256(r.estimates))")
        }
        if let t = track {
            lines += LocalizationReport.errorLines(t.result, wavelength: wavelength, los: nil)
            lines += t.lines
        }
        if let line = Self.accountingLine(frames) { lines.append(line) }
        return lines
    }

    /// Records that did not contribute, or `nil` when all did.
    static func accountingLine(_ f: LabeledCapture) -> String? {
        var parts: [String] = []
        if f.withoutTruth > 0 { parts.append("\(f.withoutTruth) frames without truth") }
        for (reason, n) in f.rejected.sorted(by: { $0.key < $1.key }) { parts.append("\(n) rejected (\(reason))") }
        if f.dimensionMismatch > 0 { parts.append("\(f.dimensionMismatch) frames of other dimensions") }
        return parts.isEmpty ? nil : "  not evaluated: " + parts.joined(separator: ", ")
    }

    /// The results drawn in the CDF picture: every method, then the track.
    public var pictureResults: [MethodResult] { results + (track.map { [$0.result] } ?? []) }
}
