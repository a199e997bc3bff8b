import ArgumentParser
import CSICapture
import CSIChannel
import CSILocDaemon
import CSISearch
import CSITracking
import CSIWire
import Foundation
import StrictYAML

/// `csiloc evaluate --track`: the same frames scored through the daemon's tracker (offline: the fixes localized
/// here, in capture order, timed by `t_capture_ns`; from a position feed: the `track` member the daemon published).
extension Evaluate {
    /// Tracker settings from `--track-config` (the keys of the daemon's `tracking:` section, as a YAML or JSON
    /// mapping; `enabled` is implied).
    func trackerConfiguration() throws -> TrackerConfiguration {
        guard let text = trackConfig else { return TrackerConfiguration() }
        return try StrictYAML.decode(TrackingSettings.self, from: text, file: "--track-config").tracker
    }

    /// What tracking did to a set of frames.
    struct TrackScore {
        var result: MethodResult
        /// Fixes per `track.event`.
        var events: [String: Int] = [:]
        /// Frames scored with the raw fix because no track existed.
        var untracked = 0
        /// |speed − true speed| / true speed over frames whose track is ≥ 1 s old and whose truth moved.
        var speedErrors: [Double] = []
        /// Published `outlier` fixes that were (not) gross errors, and gross fixes the gate let through.
        var outlierGross = 0, outlierFine = 0, grossAccepted = 0
    }

    /// Runs the tracker over offline fixes (frame order = capture order).
    static func trackOffline(_ fixes: [Fix], frames: LabeledCapture, region: Region, configuration: TrackerConfiguration,
                             wavelength: Double) -> TrackScore {
        var tracker = Tracker(configuration: configuration)
        let regionDimension = region.isFlat ? 2 : 3
        var tracks: [PositionFix.Track?] = []
        for (i, fix) in fixes.enumerated() {
            let m = FixTracking.measurement(fix, captureNs: frames.times[i], receivedMonotonicNs: frames.times[i],
                                            dimension: fix.covariance?.dimension ?? regionDimension)
            let key = TrackKey(receiver: frames.keys[i].receiverID, ue: frames.keys[i].ueID)
            var published = PositionFix(seq: 0, receiverID: 0, ueID: 0, tCaptureNs: 0, tPublishNs: 0, position: fix.position)
            FixTracking.apply(tracker.process(m, key: key, nowNs: frames.times[i]), to: &published)
            tracks.append(published.track)
        }
        return score(tracks: tracks, raw: fixes.map(\.position), truths: frames.truths, keys: frames.keys, times: frames.times,
                     horizontal: false, wavelength: wavelength, seconds: 0)
    }

    /// Scores tracks (nil: the raw fix stands in) against the truth.
    static func score(tracks: [PositionFix.Track?], raw: [Point3], truths: [Point3], keys: [FrameKey], times: [Int64],
                      horizontal: Bool, wavelength: Double, seconds: Double) -> TrackScore {
        var estimates: [Point3] = [], errors: [Double] = []
        var s = TrackScore(result: MethodResult(name: "", estimates: [], errors: [], fixes: nil, seconds: seconds, buildSeconds: 0, threads: 0))
        func distance(_ a: Point3, _ b: Point3) -> Double {
            var d = a - b
            if horizontal { d.z = 0 }
            return (d * d).sum().squareRoot()
        }
        for i in truths.indices {
            let track = tracks[i]
            if let t = track { s.events[t.event, default: 0] += 1 } else { s.untracked += 1 }
            let p = track?.position ?? raw[i]
            estimates.append(p)
            errors.append(distance(p, truths[i]))
            let rawGross = distance(raw[i], truths[i]) > wavelength / 2
            if track?.event == TrackEvent.outlier.rawValue {
                if rawGross { s.outlierGross += 1 } else { s.outlierFine += 1 }
            } else if rawGross, let e = track?.event, e == TrackEvent.updated.rawValue {
                s.grossAccepted += 1
            }
            if let t = track, t.ageSeconds >= 1, i > 0, keys[i - 1].receiverID == keys[i].receiverID, keys[i - 1].ueID == keys[i].ueID,
               times[i] > times[i - 1] {
                var d = truths[i] - truths[i - 1]
                d.z = 0
                let trueSpeed = (d * d).sum().squareRoot() / (Double(times[i] - times[i - 1]) * 1e-9)
                if trueSpeed > 0.05 { s.speedErrors.append(abs(t.speedMps - trueSpeed) / trueSpeed) }
            }
        }
        s.result.estimates = estimates
        s.result.errors = errors
        return s
    }

    /// Text lines for a track score (after the error line of its result).
    static func trackLines(_ s: TrackScore) -> [String] {
        let events = s.events.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var lines = ["  track events: \(events)\(s.untracked > 0 ? ", no track \(s.untracked)" : "")"]
        lines.append("  gate: \(s.outlierGross) outliers were gross fixes, \(s.outlierFine) were not; \(s.grossAccepted) gross fixes updated a track")
        if !s.speedErrors.isEmpty {
            let e = ErrorStatistics(errors: s.speedErrors, grossThreshold: 0.1)
            lines.append(String(format: "  speed (tracks ≥ 1 s old): relative error median %.1f %%, p90 %.1f %%, %.1f %% of frames off by > 10 %%",
                                100 * e.median, 100 * e.p90, 100 * e.grossErrorRate))
        }
        return lines
    }

    /// JSON members for a track score.
    static func trackJSON(_ s: TrackScore, wavelength: Double) -> [String: Any] {
        var m = LocalizationReport.json(s.result, wavelength: wavelength, los: nil)
        for key in ["threads", "build_seconds", "frames_per_second"] { m[key] = nil }
        m["events"] = s.events
        m["untracked"] = s.untracked
        m["outliers_gross"] = s.outlierGross
        m["outliers_not_gross"] = s.outlierFine
        m["gross_fixes_accepted"] = s.grossAccepted
        if !s.speedErrors.isEmpty {
            let e = ErrorStatistics(errors: s.speedErrors, grossThreshold: 0.1)
            m["speed_relative_error_median"] = e.median
            m["speed_relative_error_p90"] = e.p90
            m["speed_frames_off_by_over_10_percent"] = e.grossErrorRate
        }
        return m
    }
}
