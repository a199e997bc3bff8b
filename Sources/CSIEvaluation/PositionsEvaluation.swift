public import CSICapture
import CSIChannel
import CSIWire
import Foundation

/// `csiloc evaluate --positions POS.csicap --truth CSI.csicap`: the errors of the fixes a daemon published,
/// matched to the replayed capture's truth by (receiver, ue, seq).
public struct PositionsEvaluation: Sendable {
    var positionsFile: String
    var truthFile: String
    package var truth: LabeledCapture
    package var match: PositionMatch
    /// λ₀ the errors are judged against, metres.
    public var wavelength: Double
    /// `--carrier` or `capture carrier`.
    package var wavelengthSource: String
    var horizontal: Bool
    /// The matched fixes as one "method", `daemon`; its throughput is the rate at which matched fixes were recorded.
    package var result: MethodResult
    /// Median `latency_ms` of the matched fixes (NaN when none is known).
    package var latencyMedianMs: Double
    /// With tracking: the `track` member the daemon published.
    package var track: TrackScore?

    /// Loads both captures, matches the fixes and scores them.
    ///
    /// - Throws: `CaptureError` (unreadable file), ``EvaluationError`` (no labelled frame in the truth capture, or
    ///   no carrier to take λ₀ from).
    public static func run(
        positions: String, truth truthPath: String, horizontal: Bool, carrier: Double?, track: Bool
    ) throws -> PositionsEvaluation {
        let frames = try LabeledCapture.load(path: truthPath, keepSamples: false)
        guard frames.count > 0 else {
            throw EvaluationError("\(truthPath): no CSI frame with a truth (\(frames.recordsRead) records)")
        }
        let match = try PositionMatch.match(positionsPath: positions, truth: frames)
        let (wavelength, source) = try Self.wavelength(frames, carrier: carrier, file: truthPath)
        let latencies = match.matched.map(\.fix.latencyMs).filter(\.isFinite)
        var trackScore: TrackScore?
        if track {
            trackScore = TrackScoring.score(
                tracks: match.matched.map(\.fix.track), raw: match.matched.map(\.fix.position),
                truths: match.matched.map(\.truth), keys: match.matched.map(\.key),
                times: match.matched.map(\.fix.tCaptureNs), horizontal: horizontal,
                wavelength: wavelength, seconds: match.spanSeconds)
            trackScore?.result.name = "daemon track"
        }
        return PositionsEvaluation(
            positionsFile: positions, truthFile: truthPath, truth: frames, match: match,
            wavelength: wavelength, wavelengthSource: source, horizontal: horizontal,
            result: methodResult(match, horizontal: horizontal),
            latencyMedianMs: EmpiricalDistribution(latencies).quantile(0.5), track: trackScore)
    }

    /// λ₀ from `carrier` or the truth capture's metadata (there is no model to fall back on).
    public static func wavelength(
        _ frames: LabeledCapture, carrier: Double?, file: String
    ) throws(EvaluationError) -> (Double, String) {
        if let carrier { return (speedOfLight / carrier, "--carrier") }
        if let c = frames.metadata?.carrier, c > 0, c.isFinite { return (speedOfLight / c, "capture carrier") }
        throw EvaluationError(
            "\(file) records no carrier frequency: give --carrier HZ (λ₀ sets the gross-error threshold)")
    }

    /// The matched fixes as a result of the shared report: one "method", the daemon.
    package static func methodResult(_ match: PositionMatch, horizontal: Bool) -> MethodResult {
        MethodResult(
            name: "daemon", estimates: match.matched.map(\.fix.position), errors: match.errors(horizontal: horizontal),
            fixes: nil, seconds: match.spanSeconds)
    }

    /// The `--json` report.
    public var report: PositionsEvaluationReport {
        var m = MethodReport(result, wavelength: wavelength, los: match.completeLoS)
        m.figures.threads = nil
        m.figures.buildSeconds = nil
        m.figures.estimatesDigest = EstimatesDigest.sha256(result.estimates)
        return PositionsEvaluationReport(
            positions: positionsFile, truth: truthFile, method: m, matched: match.matched.count, failed: match.failed,
            duplicateFixes: match.duplicateFixes, unmatchedFixes: match.unmatchedFixes,
            missingFrames: match.missingFrames,
            undecodable: match.undecodable, positionRecords: match.recordsRead, truthFrames: truth.count,
            latencyMsMedian: latencyMedianMs, horizontal: horizontal, wavelengthSource: wavelengthSource,
            captureDamage: CaptureDamageEntry.all(match.report),
            truthCaptureDamage: CaptureDamageEntry.all(truth.report),
            track: track.map { TrackReport($0, wavelength: wavelength) })
    }

    /// The text summary.
    public var lines: [String] {
        var lines = [
            String(
                format:
                    "evaluate: %@ against the truth of %@, %d fixes matched (of %d position records, %d truth frames), λ₀ = %.3f cm (%@)%@",
                positionsFile, truthFile, match.matched.count, match.recordsRead, truth.count, 100 * wavelength,
                wavelengthSource, horizontal ? ", horizontal errors" : "")
        ]
        lines += LocalizationReport.errorLines(result, wavelength: wavelength, los: match.completeLoS)
        lines.append(
            String(
                format: "  %-22@ %.1f fixes/s over %.1f s of the position feed; median latency %@", "",
                result.framesPerSecond, match.spanSeconds,
                latencyMedianMs.isFinite ? String(format: "%.2f ms", latencyMedianMs) : "unknown"))
        lines.append("  estimates digest \(EstimatesDigest.sha256(result.estimates))")
        lines.append(
            "  unmatched: \(match.missingFrames) truth frames without a fix, \(match.unmatchedFixes) fixes without truth, "
                + "\(match.failed) failed fixes, \(match.duplicateFixes) duplicate fixes, \(match.undecodable) undecodable records"
        )
        if let t = track {
            lines += LocalizationReport.errorLines(t.result, wavelength: wavelength, los: nil)
            lines += t.lines
        }
        return lines
    }

    /// Damage warnings of both captures.
    public var damageLines: [String] {
        CaptureDamageText.lines(match.report, file: positionsFile, command: "evaluate")
            + CaptureDamageText.lines(truth.report, file: truthFile, command: "evaluate")
    }

    /// The results drawn in the CDF picture: the daemon's fixes, then the track.
    public var pictureResults: [MethodResult] { [result] + (track.map { [$0.result] } ?? []) }
}
