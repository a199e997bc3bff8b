import Foundation
import Testing

@testable import CSITracking

@Suite struct TrackerTests {
    static let key = TrackKey(receiver: 1, ue: 7)
    static let sigma = 0.003

    /// A UE walking at (1.0, 0.5) m/s from (−2, 1) at 100 Hz, fixes with σ = 3 mm (seeded noise).
    struct Walk {
        var rng: Xorshift
        let t0: Int64 = 1_767_225_600_000_000_000
        init(seed: UInt64 = 7) { rng = Xorshift(state: seed) }
        func truth(_ k: Int) -> SIMD3<Double> { SIMD3(-2 + 0.01 * Double(k), 1 + 0.005 * Double(k), 1.5) }
        func time(_ k: Int) -> Int64 { t0 + Int64(k) * 10_000_000 }
        mutating func fix(
            _ k: Int, offset: SIMD3<Double> = .zero, usable: Bool = true, dimension: Int = 2,
            clock: TrackClock = .capture
        ) -> TrackMeasurement {
            let noise = SIMD3(rng.gaussian(), rng.gaussian(), 0) * TrackerTests.sigma
            let s2 = TrackerTests.sigma * TrackerTests.sigma
            return TrackMeasurement(
                timeNs: time(k), clock: clock, position: truth(k) + noise + offset,
                covariance: dimension == 2 ? [s2, 0, 0, s2] : [s2, 0, 0, 0, s2, 0, 0, 0, s2],
                dimension: dimension, usable: usable)
        }
    }

    static func configuration() -> TrackerConfiguration {
        var c = TrackerConfiguration()
        c.accelerationPSD = 0.5
        c.measurementFloorM = 0
        c.outliersToRestart = 5
        c.restartAfterSeconds = 1
        return c
    }

    static func distance(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { ((a - b) * (a - b)).sum().squareRoot() }

    @Test func tracksAStraightWalkAndEstimatesVelocity() throws {
        var tracker = Tracker(configuration: Self.configuration())
        var walk = Walk()
        var last: TrackEstimate?
        var trackErrors: [Double] = [], fixErrors: [Double] = []
        for k in 0..<300 {
            let m = walk.fix(k)
            last = tracker.process(m, key: Self.key, nowNs: walk.time(k))
            #expect(last?.event == (k == 0 ? .started : .updated))
            if k >= 100 {
                trackErrors.append(Self.distance(last!.position, walk.truth(k)))
                fixErrors.append(Self.distance(m.position, walk.truth(k)))
            }
        }
        let e = try #require(last)
        #expect(abs(e.velocity.x - 1.0) < 0.05 && abs(e.velocity.y - 0.5) < 0.05, "\(e.velocity)")
        #expect(e.updates == 300)
        #expect(abs(e.ageSeconds - 2.99) < 1e-9)
        // Smoothing: the track's RMS error is well below the fixes' (≈ 4.2 mm for σ = 3 mm per axis).
        let rms = { (x: [Double]) in (x.map { $0 * $0 }.reduce(0, +) / Double(x.count)).squareRoot() }
        #expect(rms(trackErrors) < 0.6 * rms(fixErrors), "track \(rms(trackErrors)) fix \(rms(fixErrors))")
    }

    /// A single 30 cm jump is gated out (event outlier, the track holds its prediction), and the track continues.
    @Test func gateRejectsA30cmJumpAndTheTrackContinues() throws {
        var tracker = Tracker(configuration: Self.configuration())
        var walk = Walk()
        for k in 0..<100 { _ = tracker.process(walk.fix(k), key: Self.key, nowNs: walk.time(k)) }
        let jumpResult = tracker.process(walk.fix(100, offset: SIMD3(0.3, 0, 0)), key: Self.key, nowNs: walk.time(100))

        let jump = try #require(jumpResult)
        #expect(jump.event == .outlier)
        #expect(jump.nis! > tracker.gate2)
        #expect(Self.distance(jump.position, walk.truth(100)) < 0.01, "track followed the jump: \(jump.position)")
        #expect(jump.updates == 100)
        #expect(jump.sinceUpdateSeconds > 0.009 && jump.sinceUpdateSeconds < 0.011)
        for k in 101..<150 {
            let eResult = tracker.process(walk.fix(k), key: Self.key, nowNs: walk.time(k))

            let e = try #require(eResult)
            #expect(e.event == .updated)
            #expect(Self.distance(e.position, walk.truth(k)) < 0.01)
        }
    }

    /// After `outliers_to_restart` consecutive outliers (the UE really is elsewhere), the track restarts at the
    /// last one and follows the new positions.
    @Test func restartsAfterConsecutiveOutliers() throws {
        var tracker = Tracker(configuration: Self.configuration())
        var walk = Walk()
        for k in 0..<100 { _ = tracker.process(walk.fix(k), key: Self.key, nowNs: walk.time(k)) }
        let moved = SIMD3(0.0, 1.0, 0)
        var events: [TrackEvent] = []
        var restart: TrackEstimate?
        for k in 100..<105 {
            let m = walk.fix(k, offset: moved)
            let eResult = tracker.process(m, key: Self.key, nowNs: walk.time(k))

            let e = try #require(eResult)
            events.append(e.event)
            if e.event == .restartedOutliers {
                restart = e
                #expect(e.position == m.position)
                #expect(e.updates == 1)
            }
        }
        #expect(events == [.outlier, .outlier, .outlier, .outlier, .restartedOutliers])
        _ = try #require(restart)
        for k in 105..<160 {
            let eResult = tracker.process(walk.fix(k, offset: moved), key: Self.key, nowNs: walk.time(k))

            let e = try #require(eResult)
            #expect(e.event == .updated)
        }
        let eResult = tracker.process(walk.fix(160, offset: moved), key: Self.key, nowNs: walk.time(160))

        let e = try #require(eResult)
        #expect(Self.distance(e.position, walk.truth(160) + moved) < 0.01)
    }

    /// Outliers that are not consecutive never restart the track.
    @Test func interleavedOutliersDoNotRestart() throws {
        var tracker = Tracker(configuration: Self.configuration())
        var walk = Walk()
        for k in 0..<200 {
            let offset: SIMD3<Double> = k > 20 && k % 2 == 0 ? SIMD3(0.3, 0, 0) : .zero
            let result = tracker.process(walk.fix(k, offset: offset), key: Self.key, nowNs: walk.time(k))
            let e = try #require(result)
            if k > 20 { #expect(e.event == (k % 2 == 0 ? .outlier : .updated)) }
        }
    }

    @Test func restartsAfterAGap() throws {
        var tracker = Tracker(configuration: Self.configuration())
        var walk = Walk()
        for k in 0..<50 { _ = tracker.process(walk.fix(k), key: Self.key, nowNs: walk.time(k)) }
        // 0.9 s later: still the same track (restart_after_s = 1).
        let nearResult = tracker.process(walk.fix(139), key: Self.key, nowNs: walk.time(139))

        let near = try #require(nearResult)
        #expect(near.event == .updated)
        // 1.5 s after that: restarted at the fix, 1.3 m away from where the old track was heading... or not.
        let farResult = tracker.process(walk.fix(290, offset: SIMD3(1, 0, 0)), key: Self.key, nowNs: walk.time(290))

        let far = try #require(farResult)
        #expect(far.event == .restartedGap)
        #expect(far.updates == 1 && far.ageSeconds == 0)
    }

    @Test func lateDuplicateAndUnusableFixesDoNotUpdate() throws {
        var tracker = Tracker(configuration: Self.configuration())
        var walk = Walk()
        for k in 0..<50 { _ = tracker.process(walk.fix(k), key: Self.key, nowNs: walk.time(k)) }
        let duplicateResult = tracker.process(walk.fix(49), key: Self.key, nowNs: walk.time(50))

        let duplicate = try #require(duplicateResult)
        #expect(duplicate.event == .late && duplicate.updates == 50)
        let olderResult = tracker.process(walk.fix(45), key: Self.key, nowNs: walk.time(50))

        let older = try #require(olderResult)
        #expect(older.event == .late && older.updates == 50)
        #expect(Self.distance(older.position, walk.truth(45)) < 0.01) // extrapolated back to the fix's time
        // A late fix 30 cm off is gated like a timely one: published as an outlier, the track untouched.
        let lateJumpResult = tracker.process(
            walk.fix(46, offset: SIMD3(0.3, 0, 0)), key: Self.key, nowNs: walk.time(50))
        let lateJump = try #require(lateJumpResult)
        #expect(lateJump.event == .outlier && lateJump.updates == 50)
        let flaggedResult = tracker.process(
            walk.fix(50, offset: SIMD3(0.5, 0, 0), usable: false), key: Self.key, nowNs: walk.time(50))

        let flagged = try #require(flaggedResult)
        #expect(flagged.event == .unused && flagged.updates == 50)
        #expect(Self.distance(flagged.position, walk.truth(50)) < 0.01)
        let nextResult = tracker.process(walk.fix(51), key: Self.key, nowNs: walk.time(51))

        let next = try #require(nextResult)
        #expect(next.event == .updated && next.updates == 51)
        // An unusable first fix starts nothing.
        #expect(
            tracker.process(walk.fix(0, usable: false), key: TrackKey(receiver: 9, ue: 9), nowNs: walk.time(52)) == nil)
        #expect(tracker.count == 1)
    }

    @Test func clockOrDimensionChangeRestarts() throws {
        var tracker = Tracker(configuration: Self.configuration())
        var walk = Walk()
        for k in 0..<10 { _ = tracker.process(walk.fix(k), key: Self.key, nowNs: walk.time(k)) }
        #expect(
            tracker.process(walk.fix(10, clock: .receive), key: Self.key, nowNs: walk.time(10))?.event
                == .restartedClock)
        #expect(
            tracker.process(walk.fix(11, dimension: 3, clock: .receive), key: Self.key, nowNs: walk.time(11))?.event
                == .restartedClock)
        let eResult = tracker.process(walk.fix(12, dimension: 3, clock: .receive), key: Self.key, nowNs: walk.time(12))

        let e = try #require(eResult)
        #expect(e.event == .updated && e.dimension == 3 && e.positionCovariance.count == 9)
        // One fix from further back than the restart gap is a stalled frame: never an update, never a restart…
        let stalled = tracker.process(
            walk.fix(-500, dimension: 3, clock: .receive), key: Self.key, nowNs: walk.time(13))
        #expect(stalled?.event == .late || stalled?.event == .outlier)
        // …but a clock that stays back (publisher restarted) restarts the track after `outliersToRestart` such fixes.
        let needed = Self.configuration().outliersToRestart
        for k in 1..<needed {
            let e = tracker.process(
                walk.fix(-500 + k, dimension: 3, clock: .receive), key: Self.key, nowNs: walk.time(13))?.event
            #expect(
                k < needed - 1 ? e != .restartedClock : e == .restartedClock,
                "fix \(k + 1) from the past: \(String(describing: e))")
        }
        // Extreme times do not trap.
        var m = walk.fix(14, dimension: 3, clock: .receive)
        m.timeNs = .min
        #expect(tracker.process(m, key: Self.key, nowNs: walk.time(14))?.event == .restartedClock)
        m.timeNs = .max
        #expect(tracker.process(m, key: Self.key, nowNs: walk.time(15))?.event == .restartedClock)
        // So does a monotonic clock that jumps: the sweep forgets (or keeps) tracks, nothing traps.
        _ = tracker.process(m, key: Self.key, nowNs: .max)
        _ = tracker.process(m, key: Self.key, nowNs: .min)
    }

    @Test func tracksExpireAfterInactivity() {
        var c = Self.configuration()
        c.expireAfterSeconds = 5
        var tracker = Tracker(configuration: c)
        var walk = Walk()
        _ = tracker.process(walk.fix(0), key: TrackKey(receiver: 1, ue: 1), nowNs: 0)
        _ = tracker.process(walk.fix(0), key: TrackKey(receiver: 1, ue: 2), nowNs: 3_000_000_000)
        #expect(tracker.count == 2)
        _ = tracker.process(walk.fix(1), key: TrackKey(receiver: 1, ue: 2), nowNs: 6_000_000_000)
        #expect(tracker.count == 1 && tracker.expiredTotal == 1)
        _ = tracker.process(walk.fix(2), key: TrackKey(receiver: 1, ue: 3), nowNs: 20_000_000_000)
        #expect(tracker.count == 1 && tracker.expiredTotal == 2)
        #expect(tracker.evictedTotal == 0)
    }

    @Test func capEvictsTheLeastRecentlyActiveTrack() {
        var c = Self.configuration()
        c.maxTracks = 3
        var tracker = Tracker(configuration: c)
        var walk = Walk()
        for ue in UInt32(1)...3 {
            _ = tracker.process(walk.fix(0), key: TrackKey(receiver: 1, ue: ue), nowNs: Int64(ue))
        }
        _ = tracker.process(walk.fix(1), key: TrackKey(receiver: 1, ue: 1), nowNs: 10) // UE 2 is now the oldest
        _ = tracker.process(walk.fix(0), key: TrackKey(receiver: 1, ue: 4), nowNs: 11)
        #expect(tracker.count == 3 && tracker.evictedTotal == 1)
        #expect(tracker.process(walk.fix(2), key: TrackKey(receiver: 1, ue: 1), nowNs: 12)?.event == .updated)
        #expect(tracker.process(walk.fix(2), key: TrackKey(receiver: 1, ue: 2), nowNs: 13)?.event == .started)
        #expect(tracker.evictedTotal == 2 && tracker.count == 3)
    }

    @Test func badCovarianceFallsBackToTheDefault() {
        var tracker = Tracker(configuration: Self.configuration())
        var walk = Walk()
        for bad in [[Double](), [1, 2, 3], [.nan, 0, 0, 1], [-1, 0, 0, -1]] {
            var m = walk.fix(0)
            m.covariance = bad
            let r = tracker.measurementCovariance(m)
            let s2 = tracker.configuration.defaultMeasurementSigmaM * tracker.configuration.defaultMeasurementSigmaM
            #expect(r == [s2, 0, 0, s2])
        }
    }

    @Test func configurationValidation() {
        let cases: [(WritableKeyPath<TrackerConfiguration, Double>, Double, String)] = [
            (\.accelerationPSD, .nan, "acceleration_psd"), (\.accelerationPSD, 0, "acceleration_psd"),
            (\.gateProbability, 1, "gate_probability"), (\.gateProbability, .infinity, "gate_probability"),
            (\.restartAfterSeconds, -1, "restart_after_s"), (\.expireAfterSeconds, .nan, "expire_after_s"),
            (\.measurementFloorM, -0.1, "measurement_floor_m"),
            (\.defaultMeasurementSigmaM, 0, "default_measurement_sigma_m"),
            (\.initialSpeedSigmaMps, 1e9, "initial_speed_sigma_mps"),
        ]
        for (path, value, key) in cases {
            var c = TrackerConfiguration()
            c[keyPath: path] = value
            #expect(throws: TrackerConfiguration.InvalidValue.self) { try c.validate() }
            do { try c.validate() } catch { #expect(error.key == key) }
        }
        var c = TrackerConfiguration()
        c.maxTracks = 0
        #expect(throws: TrackerConfiguration.InvalidValue.self) { try c.validate() }
        c = TrackerConfiguration()
        c.outliersToRestart = 0
        #expect(throws: TrackerConfiguration.InvalidValue.self) { try c.validate() }
        #expect(throws: Never.self) { try TrackerConfiguration().validate() }
    }
}

/// Seeded noise for the tests (xorshift64* + Box–Muller).
struct Xorshift {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
    mutating func unit() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992 }
    mutating func gaussian() -> Double { (-2 * log(unit())).squareRoot() * cos(2 * .pi * unit()) }
}
