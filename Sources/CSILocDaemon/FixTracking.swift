public import CSISearch
public import CSITracking
public import CSIWire

/// The glue between the localizer's fixes, the tracker and the published `track` member: what a fix tells the
/// tracker, and what the tracker's answer changes in the published fix. Shared by the daemon's workers and
/// `csiloc evaluate --track`, so both track exactly alike.
public enum FixTracking {
    /// The tracker's view of a fix.
    ///
    /// - Time base: the frame's `t_capture_ns` (`.capture`); when that is 0 (unknown), the daemon's monotonic
    ///   receive time (`.receive`). Never the wall clock.
    /// - Usable: not for fixes the search flagged as gross errors, nor failed ones (status `failed`): they only
    ///   get the track's prediction.
    public static func measurement(
        _ fix: Fix, status: PositionFix.Status, captureNs: Int64, receivedMonotonicNs: Int64,
        dimension: Int
    ) -> TrackMeasurement {
        TrackMeasurement(
            timeNs: captureNs != 0 ? captureNs : receivedMonotonicNs, clock: captureNs != 0 ? .capture : .receive,
            position: fix.position, covariance: fix.covariance?.matrix ?? [], dimension: dimension,
            usable: status != .failed && !fix.status.isFlagged)
    }

    /// Sets `track` from the tracker's estimate and marks a gated-out fix `outlier`.
    public static func apply(_ estimate: TrackEstimate?, to positionFix: inout PositionFix) {
        guard let e = estimate else { return }
        positionFix.track = PositionFix.Track(
            position: e.position, velocity: e.velocity, covariance: e.positionCovariance,
            velocityCovariance: e.velocityCovariance, event: e.event.rawValue, updates: e.updates,
            ageSeconds: e.ageSeconds, sinceUpdateSeconds: e.sinceUpdateSeconds, nis: e.nis ?? .nan)
        if e.event == .outlier, positionFix.status != .failed { positionFix.status = .outlier }
    }
}

extension FixTracking {
    /// The tracker's view of a fix whose published status is the daemon's (`ok`/`suspect`/`failed`).
    public static func measurement(
        _ fix: Fix, captureNs: Int64, receivedMonotonicNs: Int64, dimension: Int
    ) -> TrackMeasurement {
        measurement(
            fix, status: FixFormatter.status(of: fix), captureNs: captureNs, receivedMonotonicNs: receivedMonotonicNs,
            dimension: dimension)
    }
}
