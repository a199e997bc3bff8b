import CSICapture
import CSIChannel
import CSILocDaemon
import CSISearch
public import CSITracking
import CSIWire
import StrictYAML

/// Scores tracks against the truth (`csiloc evaluate --track`): offline, by running the daemon's tracker over
/// fixes localized here in capture order (timed by `t_capture_ns`); from a position feed, the `track` member
/// the daemon published.
public enum TrackScoring {
    /// Tracker settings from the keys of the daemon's `tracking:` section, as a YAML or JSON mapping (`enabled`
    /// is implied); the defaults when `text` is nil.
    ///
    /// - Throws: `YAMLFileError` naming `source` and the bad key.
    public static func trackerConfiguration(
        _ text: String?, source: String = "--track-config"
    ) throws -> TrackerConfiguration {
        guard let text else { return TrackerConfiguration() }
        return try StrictYAML.decode(TrackingSettings.self, from: text, file: source).tracker
    }

    /// Runs the tracker over offline fixes (frame order = capture order) and scores the result.
    static func offline(
        _ fixes: [Fix], frames: LabeledCapture, region: Region, configuration: TrackerConfiguration,
        wavelength: Double
    ) -> TrackScore {
        var tracker = Tracker(configuration: configuration)
        let regionDimension = region.isFlat ? 2 : 3
        var tracks: [PositionFix.Track?] = []
        for (i, fix) in fixes.enumerated() {
            let m = FixTracking.measurement(
                fix, captureNs: frames.times[i], receivedMonotonicNs: frames.times[i],
                dimension: fix.covariance?.dimension ?? regionDimension)
            let key = TrackKey(receiver: frames.keys[i].receiverID, ue: frames.keys[i].ueID)
            var published = PositionFix(
                seq: 0, receiverID: 0, ueID: 0, tCaptureNs: 0, tPublishNs: 0, position: fix.position)
            FixTracking.apply(tracker.process(m, key: key, nowNs: frames.times[i]), to: &published)
            tracks.append(published.track)
        }
        return score(
            tracks: tracks, raw: fixes.map(\.position), truths: frames.truths, keys: frames.keys, times: frames.times,
            horizontal: false, wavelength: wavelength, seconds: 0)
    }

    /// Scores tracks (nil: the raw fix stands in) against the truth.
    static func score(
        tracks: [PositionFix.Track?], raw: [Point3], truths: [Point3], keys: [FrameKey], times: [Int64],
        horizontal: Bool, wavelength: Double, seconds: Double
    ) -> TrackScore {
        var estimates: [Point3] = [], errors: [Double] = []
        var s = TrackScore(result: MethodResult(name: "", estimates: [], errors: [], fixes: nil, seconds: seconds))
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
            if let t = track, t.ageSeconds >= 1, i > 0, keys[i - 1].receiverID == keys[i].receiverID,
                keys[i - 1].ueID == keys[i].ueID,
                times[i] > times[i - 1]
            {
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
}
