import ArgumentParser
import CSICapture
import CSIChannel
import CSISearch
import Foundation

extension Evaluate {
    /// `--positions POS.csicap --truth CSI.csicap`: errors of the fixes a daemon published, matched to the
    /// replayed capture's truth by (receiver, ue, seq).
    func runPositions(positions: String, truth: String) throws {
        let frames = try LabeledCapture.load(path: truth, keepSamples: false)
        guard frames.count > 0 else {
            throw ValidationError("\(truth): no CSI frame with a truth (\(frames.recordsRead) records)")
        }
        let match = try PositionMatch.match(positionsPath: positions, truth: frames)
        let (wavelength, source) = try Self.positionsWavelength(frames, carrier: carrier, file: truth)
        let result = Self.methodResult(match, horizontal: horizontal)
        let los = match.completeLoS
        let latencies = match.matched.map(\.fix.latencyMs).filter(\.isFinite)
        let latency = ErrorStatistics(errors: latencies, grossThreshold: .infinity).median
        var trackScore: TrackScore?
        if track {
            trackScore = Self.score(tracks: match.matched.map(\.fix.track), raw: match.matched.map(\.fix.position),
                                    truths: match.matched.map(\.truth), keys: match.matched.map(\.key),
                                    times: match.matched.map(\.fix.tCaptureNs), horizontal: horizontal, wavelength: wavelength,
                                    seconds: match.spanSeconds)
            trackScore?.result.name = "daemon track"
        }
        if json {
            var m = LocalizationReport.json(result, wavelength: wavelength, los: los)
            for key in ["threads", "build_seconds"] { m[key] = nil }
            m["estimates_digest"] = EstimatesDigest.sha256(result.estimates)
            var out: [String: Any] = [
                "positions": positions, "truth": truth, "points": match.matched.count, "condition": "live",
                "methods": [m], "matched": match.matched.count, "failed": match.failed,
                "duplicate_fixes": match.duplicateFixes, "unmatched_fixes": match.unmatchedFixes,
                "missing_frames": match.missingFrames, "undecodable": match.undecodable,
                "position_records": match.recordsRead, "truth_frames": frames.count,
                "latency_ms_median": latency, "horizontal": horizontal, "wavelength_source": source,
                "capture_damage": CaptureDamageText.json(match.report),
                "truth_capture_damage": CaptureDamageText.json(frames.report),
            ]
            for (k, v) in m where k != "method" { out[k] = v }
            if let t = trackScore { out["track"] = Self.trackJSON(t, wavelength: wavelength) }
            print(LocalizationReport.encode(out))
        } else {
            print(String(format: "evaluate: %@ against the truth of %@, %d fixes matched (of %d position records, %d truth frames), λ₀ = %.3f cm (%@)%@",
                         positions, truth, match.matched.count, match.recordsRead, frames.count, 100 * wavelength, source,
                         horizontal ? ", horizontal errors" : ""))
            LocalizationReport.errorLines(result, wavelength: wavelength, los: los).forEach { print($0) }
            print(String(format: "  %-22@ %.1f fixes/s over %.1f s of the position feed; median latency %@", "",
                         result.framesPerSecond, match.spanSeconds,
                         latency.isFinite ? String(format: "%.2f ms", latency) : "unknown"))
            print("  estimates digest \(EstimatesDigest.sha256(result.estimates))")
            print("  unmatched: \(match.missingFrames) truth frames without a fix, \(match.unmatchedFixes) fixes without truth, "
                  + "\(match.failed) failed fixes, \(match.duplicateFixes) duplicate fixes, \(match.undecodable) undecodable records")
            if let t = trackScore {
                LocalizationReport.errorLines(t.result, wavelength: wavelength, los: nil).forEach { print($0) }
                Self.trackLines(t).forEach { print($0) }
            }
        }
        CaptureDamageText.lines(match.report, file: positions, command: "evaluate").forEach(printError)
        CaptureDamageText.lines(frames.report, file: truth, command: "evaluate").forEach(printError)
        if let picture {
            try ErrorPictures.cdf([result] + (trackScore.map { [$0.result] } ?? []), wavelength: wavelength, title: "Localization error CDF — live fixes, \(positions)")
                .write(toFile: picture, atomically: true, encoding: .utf8)
        }
    }

    /// λ₀ from `--carrier` or the truth capture's metadata (there is no model to fall back on).
    static func positionsWavelength(_ frames: LabeledCapture, carrier: Double?, file: String) throws -> (Double, String) {
        if let carrier { return (speedOfLight / carrier, "--carrier") }
        if let c = frames.metadata?.carrier, c > 0, c.isFinite { return (speedOfLight / c, "capture carrier") }
        throw ValidationError("\(file) records no carrier frequency: give --carrier HZ (λ₀ sets the gross-error threshold)")
    }

    /// The matched fixes as a result of the shared report: one "method", the daemon; throughput is the
    /// rate at which matched fixes were recorded.
    static func methodResult(_ match: PositionMatch, horizontal: Bool) -> MethodResult {
        MethodResult(name: "daemon", estimates: match.matched.map(\.fix.position), errors: match.errors(horizontal: horizontal),
                     fixes: nil, seconds: match.spanSeconds, buildSeconds: 0, threads: 0)
    }
}
