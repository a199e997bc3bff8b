/// Which clock a measurement's time comes from. A track keeps one: a fix on the other clock restarts it
/// (their epochs are unrelated).
public enum TrackClock: String, Sendable, Equatable {
    /// The frame's `t_capture_ns` (the publisher's PHY time).
    case capture
    /// The daemon's monotonic receive time (frames with `t_capture_ns = 0`).
    case receive
}

/// Identifies a track: one per (receiver, UE).
public struct TrackKey: Hashable, Sendable {
    var receiver: UInt32
    var ue: UInt32
    /// The track of UE `ue` as seen by receiver `receiver`.
    public init(receiver: UInt32, ue: UInt32) {
        self.receiver = receiver
        self.ue = ue
    }
}

/// One fix, as the tracker sees it.
public struct TrackMeasurement: Sendable {
    /// Time of the fix on `clock`, ns.
    var timeNs: Int64
    var clock: TrackClock
    /// Position; in 2-D only x and y are filtered and z is carried through.
    public var position: SIMD3<Double>
    /// Row-major d×d covariance, m² (empty or wrong-sized: `defaultMeasurementSigmaM` is used).
    public var covariance: [Double]
    /// 2 (the search is a plane) or 3.
    public var dimension: Int
    /// `false` for fixes the search itself distrusts (gross error suspected, failed): they never update a
    /// track, the track is only predicted to their time.
    var usable: Bool

    /// A fix to track: `position` (m) at `timeNs` on `clock`, its row-major `dimension`×`dimension` `covariance` (m²),
    /// and whether it may update a track (`usable`).
    public init(
        timeNs: Int64, clock: TrackClock, position: SIMD3<Double>, covariance: [Double], dimension: Int, usable: Bool
    ) {
        self.timeNs = timeNs
        self.clock = clock
        self.position = position
        self.covariance = covariance
        self.dimension = dimension
        self.usable = usable
    }
}

/// What the tracker did with a fix (the `track.event` member of a published fix).
public enum TrackEvent: String, Sendable, Equatable, CaseIterable {
    /// A new track starts at this fix.
    case started
    /// The fix passed the gate and updated the track.
    case updated
    /// The fix failed the innovation gate: the track did not use it (published with status `outlier`).
    case outlier
    /// The search flagged the fix (gross error suspected, failed): the track did not use it.
    case unused
    /// The fix is not newer than the track's last update (out of order or duplicate): not used.
    case late
    /// The track restarted at this fix: too long since its last update.
    case restartedGap = "restarted_gap"
    /// The track restarted at this fix after `outliers_to_restart` consecutive outliers.
    case restartedOutliers = "restarted_outliers"
    /// The track restarted at this fix: its clock changed, went back by more than the restart gap, or the
    /// search dimension changed.
    case restartedClock = "restarted_clock"
}

/// The track at the time of one fix (filtered position and velocity, their covariances, bookkeeping).
public struct TrackEstimate: Sendable, Equatable {
    /// What the fix did to its track (started, updated, gated out, ...).
    public var event: TrackEvent
    /// 2 or 3: the size of the covariance blocks.
    public var dimension: Int
    /// Filtered position (z = the fix's z in 2-D).
    public var position: SIMD3<Double>
    /// Filtered velocity, m/s (vz = 0 in 2-D).
    public var velocity: SIMD3<Double>
    /// d×d, m², row-major.
    public var positionCovariance: [Double]
    /// d×d, m²/s², row-major.
    public var velocityCovariance: [Double]
    /// Fixes the track has used since it (re)started, the starting one included.
    public var updates: Int
    /// Seconds from the track's start to this fix.
    public var ageSeconds: Double
    /// Seconds from the track's last update to this fix (0 when this fix updated it).
    public var sinceUpdateSeconds: Double
    /// Normalized innovation squared of this fix against the prediction, when it was gated.
    public var nis: Double?
}

/// Constant-velocity tracks per (receiver, UE) with χ² gating, restarts and bounded state.
///
/// A value type with no locks: the daemon keeps one behind a `Mutex`, offline tools own one. `process` costs a
/// few microseconds (≤ 6×6 matrices); expiry is swept at most every `sweepIntervalNs` of `nowNs`.
public struct Tracker: Sendable {
    /// The configuration the tracker was created with (validated).
    public let configuration: TrackerConfiguration
    /// χ² gate thresholds, by dimension.
    let gate2: Double, gate3: Double

    struct TrackState {
        var filter: ConstantVelocityFilter // at tUpdateNs
        var clock: TrackClock
        var tUpdateNs: Int64
        var tStartNs: Int64
        var updates: Int
        var consecutiveOutliers: Int
        /// Fixes in a row timed more than `restartAfterSeconds` before the last update (a clock that went back).
        var consecutiveStale = 0
        var lastActivityNs: Int64
        var z: Double
    }

    private var tracks: [TrackKey: TrackState] = [:]
    private var lastSweepNs: Int64?
    /// Tracks forgotten after `expireAfterSeconds` without a fix, since creation.
    public private(set) var expiredTotal = 0
    /// Tracks evicted to make room for a new UE (`maxTracks`), since creation.
    public private(set) var evictedTotal = 0

    /// - Precondition: `configuration.validate()` passed.
    public init(configuration: TrackerConfiguration) {
        precondition((try? configuration.validate()) != nil, "invalid tracker configuration")
        self.configuration = configuration
        gate2 = ChiSquare.quantile(configuration.gateProbability, degreesOfFreedom: 2)
        gate3 = ChiSquare.quantile(configuration.gateProbability, degreesOfFreedom: 3)
    }

    /// Tracks held now.
    public var count: Int { tracks.count }

    var sweepIntervalNs: Int64 { Int64(min(1.0, configuration.expireAfterSeconds / 4) * 1e9) }

    /// Runs one fix through the track of `key`. `nowNs` is a monotonic clock for expiry and eviction (the
    /// daemon's receive time; offline, the fix time). Returns the track at the fix's time, or `nil` when there
    /// is no track and the fix cannot start one.
    public mutating func process(_ m: TrackMeasurement, key: TrackKey, nowNs: Int64) -> TrackEstimate? {
        sweep(nowNs: nowNs)
        let d = m.dimension
        precondition(d == 2 || d == 3, "dimension must be 2 or 3")
        let usable = m.usable && m.position.x.isFinite && m.position.y.isFinite && m.position.z.isFinite
        let r = measurementCovariance(m)
        guard var track = tracks[key] else {
            guard usable else { return nil }
            if tracks.count >= configuration.maxTracks { evictLeastRecentlyActive() }
            let track = start(m, r: r, nowNs: nowNs)
            tracks[key] = track
            return estimate(track, filter: track.filter, event: .started, timeNs: m.timeNs, nis: nil)
        }
        track.lastActivityNs = nowNs
        defer { tracks[key] = track }

        let (delta, overflow) = m.timeNs.subtractingReportingOverflow(track.tUpdateNs)
        let dt = Double(delta) * 1e-9
        // A fix far older than the last update is a stalled frame (several workers finish one UE's frames out of
        // order) unless such fixes keep coming: then the clock went back.
        let stale = !overflow && dt < -configuration.restartAfterSeconds
        track.consecutiveStale = stale ? track.consecutiveStale + 1 : 0
        let clockBroken =
            overflow || m.clock != track.clock || d != track.filter.dimension
            || (stale && track.consecutiveStale >= configuration.outliersToRestart)
        if clockBroken || dt > configuration.restartAfterSeconds {
            guard usable else {
                if clockBroken { return nil }
                track.z = m.position.z.isFinite ? m.position.z : track.z
                return estimate(track, filter: predicted(track, dt), event: .unused, timeNs: m.timeNs, nis: nil)
            }
            track = start(m, r: r, nowNs: nowNs)
            return estimate(
                track, filter: track.filter, event: clockBroken ? .restartedClock : .restartedGap,
                timeNs: m.timeNs, nis: nil)
        }
        if dt <= 0 {
            // Late or duplicate: never updates the track, but is still gated (against the track taken back to the
            // fix's time), so a wrong fix that finished late is not published as good.
            let back = predicted(track, dt)
            let z = Array([m.position.x, m.position.y, m.position.z][0..<d])
            if usable, let innovation = back.innovation(measurement: z, covariance: r),
                !(innovation.nis <= (d == 2 ? gate2 : gate3))
            {
                return estimate(track, filter: back, event: .outlier, timeNs: m.timeNs, nis: innovation.nis)
            }
            return estimate(track, filter: back, event: .late, timeNs: m.timeNs, nis: nil)
        }
        let prediction = predicted(track, dt)
        guard usable else {
            return estimate(track, filter: prediction, event: .unused, timeNs: m.timeNs, nis: nil)
        }
        let z = Array([m.position.x, m.position.y, m.position.z][0..<d])
        guard let innovation = prediction.innovation(measurement: z, covariance: r),
            innovation.nis <= (d == 2 ? gate2 : gate3),
            let updated = prediction.updated(measurement: z, covariance: r)
        else {
            let nis = prediction.innovation(measurement: z, covariance: r)?.nis ?? .infinity
            track.consecutiveOutliers += 1
            if track.consecutiveOutliers >= configuration.outliersToRestart {
                track = start(m, r: r, nowNs: nowNs)
                return estimate(track, filter: track.filter, event: .restartedOutliers, timeNs: m.timeNs, nis: nis)
            }
            return estimate(track, filter: prediction, event: .outlier, timeNs: m.timeNs, nis: nis)
        }
        track.filter = updated
        track.tUpdateNs = m.timeNs
        track.updates += 1
        track.consecutiveOutliers = 0
        track.z = m.position.z
        return estimate(track, filter: updated, event: .updated, timeNs: m.timeNs, nis: innovation.nis)
    }

    /// Forgets every track.
    mutating func removeAll() { tracks.removeAll() }

    // MARK: internals

    private func predicted(_ track: TrackState, _ dt: Double) -> ConstantVelocityFilter {
        track.filter.predicted(by: dt, accelerationPSD: configuration.accelerationPSD)
    }

    private func start(_ m: TrackMeasurement, r: [Double], nowNs: Int64) -> TrackState {
        let p = Array([m.position.x, m.position.y, m.position.z][0..<m.dimension])
        return TrackState(
            filter: ConstantVelocityFilter(
                position: p, positionCovariance: r, speedSigma: configuration.initialSpeedSigmaMps),
            clock: m.clock, tUpdateNs: m.timeNs, tStartNs: m.timeNs, updates: 1, consecutiveOutliers: 0,
            lastActivityNs: nowNs, z: m.position.z)
    }

    /// The fix's covariance (symmetrized) plus the floor on the diagonal; the default when it is missing,
    /// wrong-sized, not finite or not positive definite.
    func measurementCovariance(_ m: TrackMeasurement) -> [Double] {
        let d = m.dimension
        let floor2 = configuration.measurementFloorM * configuration.measurementFloorM
        if m.covariance.count == d * d, m.covariance.allSatisfy(\.isFinite) {
            var r = m.covariance
            SmallMatrix.symmetrize(&r, d)
            for i in 0..<d { r[i * d + i] += floor2 }
            if SmallMatrix.inverseSPD(r, d) != nil { return r }
        }
        var r = [Double](repeating: 0, count: d * d)
        let s2 = configuration.defaultMeasurementSigmaM * configuration.defaultMeasurementSigmaM
        for i in 0..<d { r[i * d + i] = s2 + floor2 }
        return r
    }

    private func estimate(
        _ track: TrackState, filter: ConstantVelocityFilter, event: TrackEvent, timeNs: Int64,
        nis: Double?
    ) -> TrackEstimate {
        let d = filter.dimension
        let p = filter.position, v = filter.velocity
        func seconds(_ a: Int64, _ b: Int64) -> Double {
            let (delta, overflow) = a.subtractingReportingOverflow(b)
            return overflow ? .nan : Double(delta) * 1e-9
        }
        return TrackEstimate(
            event: event, dimension: d,
            position: SIMD3(p[0], p[1], d == 3 ? p[2] : track.z),
            velocity: SIMD3(v[0], v[1], d == 3 ? v[2] : 0),
            positionCovariance: filter.positionCovariance, velocityCovariance: filter.velocityCovariance,
            updates: track.updates, ageSeconds: seconds(timeNs, track.tStartNs),
            sinceUpdateSeconds: seconds(timeNs, track.tUpdateNs), nis: nis)
    }

    private mutating func sweep(nowNs: Int64) {
        if let last = lastSweepNs {
            let (delta, overflow) = nowNs.subtractingReportingOverflow(last)
            if !overflow, delta >= 0, delta < sweepIntervalNs { return }
        }
        lastSweepNs = nowNs
        let limit = configuration.expireAfterSeconds
        let before = tracks.count
        tracks = tracks.filter { _, track in
            let (delta, overflow) = nowNs.subtractingReportingOverflow(track.lastActivityNs)
            return overflow || Double(delta) * 1e-9 <= limit
        }
        expiredTotal += before - tracks.count
    }

    private mutating func evictLeastRecentlyActive() {
        guard let oldest = tracks.min(by: { $0.value.lastActivityNs < $1.value.lastActivityNs })?.key else { return }
        tracks[oldest] = nil
        evictedTotal += 1
    }
}
