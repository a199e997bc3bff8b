import CSIWire
import Foundation
import Testing

@testable import CSIView

/// ``ViewState`` and the JSON the page receives: bounds, counters, tails, eviction, statistics.
@Suite struct ViewStateTests {
    func fix(
        _ seq: UInt64, ue: UInt32 = 1, receiver: UInt32 = 1, x: Double, y: Double, status: PositionFix.Status = .ok,
        cov: [Double] = [], truth: Double? = nil, track: PositionFix.Track? = nil
    ) -> PositionFix {
        PositionFix(
            seq: seq, receiverID: receiver, ueID: ue, tCaptureNs: 0, tPublishNs: 0, position: SIMD3(x, y, 1.5),
            covariance: cov, status: status, latencyMs: 2, truthErrorM: truth, track: track)
    }

    @Test func countsByStatusAndKeepsTheLatestFixPerUE() {
        let state = ViewState()
        state.ingest(fix(1, ue: 1, x: 1, y: 2))
        state.ingest(fix(2, ue: 1, x: 1.5, y: 2.5, status: .suspect))
        state.ingest(fix(3, ue: 2, x: 0, y: 0, status: .outlier))
        state.ingest(fix(4, ue: 2, x: .nan, y: .nan, status: .failed))
        state.countUndecodable()
        let s = state.snapshot()
        #expect(s.counters.fixes == 4)
        #expect(
            [s.counters.ok, s.counters.suspect, s.counters.outlier, s.counters.failed, s.counters.undecodable]
                == [Int](repeating: 1, count: 5))
        #expect(s.ues.map(\.ue) == [1, 2])
        #expect(s.ues[0].seq == 2 && s.ues[0].status == "suspect" && s.ues[0].x == 1.5 && s.ues[0].y == 2.5)
        #expect(s.ues[0].tail == [[1, 2], [1.5, 2.5]])
        // the failed fix has no position, but its UE keeps the earlier tail point
        #expect(s.ues[1].status == "failed" && s.ues[1].x == nil && s.ues[1].ellipse == nil)
        #expect(s.ues[1].tail == [[0, 0]])
        #expect(s.ues[1].fixes == 2)
    }

    @Test func tailsAreBoundedOldestDropped() {
        var limits = ViewLimits()
        limits.tailLength = 5
        let state = ViewState(limits: limits)
        for i in 0..<12 { state.ingest(fix(UInt64(i), x: Double(i), y: 0)) }
        #expect(state.snapshot().ues[0].tail == (7..<12).map { [Double($0), 0] })
    }

    @Test func leastRecentlySeenUEIsEvictedAtTheCap() {
        var limits = ViewLimits()
        limits.maxUEs = 2
        let state = ViewState(limits: limits)
        let t0 = ContinuousClock.now
        state.ingest(fix(1, ue: 1, x: 0, y: 0), now: t0)
        state.ingest(fix(2, ue: 2, x: 0, y: 0), now: t0 + .seconds(1))
        state.ingest(fix(3, ue: 1, x: 0, y: 0), now: t0 + .seconds(2)) // UE 1 seen again: UE 2 is now the oldest
        state.ingest(fix(4, ue: 3, x: 0, y: 0), now: t0 + .seconds(3))
        let s = state.snapshot(now: t0 + .seconds(4))
        #expect(s.ues.map(\.ue) == [1, 3])
        #expect(s.counters.uesEvicted == 1)
        #expect(abs(s.ues[0].ageS - 2) < 1e-9 && abs(s.ues[1].ageS - 1) < 1e-9)
    }

    @Test func hostileCoordinatesAreNotDrawnNorStretchTheArea() {
        let state = ViewState()
        state.ingest(fix(1, x: 2, y: 3))
        state.ingest(fix(2, x: .infinity, y: 0))
        state.ingest(fix(3, x: 1e300, y: 1))
        let s = state.snapshot()
        #expect(s.ues[0].x == nil)
        #expect(s.ues[0].tail == [[2, 3]])
        // one point: 0.5 m margin each side (10 % of a zero span is less)
        #expect(s.area == (try? MapArea(source: "fixes", x: 1.5...2.5, y: 2.5...3.5)))
        #expect(s.counters.fixes == 3)
    }

    @Test func areaFromFixesHasA10PercentMargin() throws {
        let state = ViewState()
        state.ingest(fix(1, x: -10, y: 0))
        state.ingest(fix(2, x: 10, y: 40))
        // x span 20 → margin 2; y span 40 → margin 4
        #expect(state.snapshot().area == (try MapArea(source: "fixes", x: -12...12, y: -4...44)))
        let given = try MapArea(parsing: "-5:5,0:12")
        #expect(ViewState(area: given).snapshot().area == given)
    }

    @Test func theAutoAreaShrinksOnceAStrayPointLeftTheTails() throws {
        var limits = ViewLimits()
        limits.tailLength = 2
        let state = ViewState(limits: limits)
        state.ingest(fix(1, x: 1e6, y: 0))
        // one point at the edge: the margin is clamped to the largest coordinate
        #expect(state.snapshot().area == (try MapArea(source: "fixes", x: (1e6 - 0.5)...1e6, y: -0.5...0.5)))
        state.ingest(fix(2, x: 0, y: 0))
        state.ingest(fix(3, x: 1, y: 1))
        // the stray point is out of the 2-point tail: span 1 m → margin 0.5 m
        #expect(state.snapshot().area == (try MapArea(source: "fixes", x: -0.5...1.5, y: -0.5...1.5)))
    }

    @Test func errorStatisticsByHand() {
        let state = ViewState()
        // errors 1..20 cm: median (10 + 11)/2 = 10.5 cm; p95 nearest rank ⌈0.95·20⌉ = 19th = 19 cm; max 20 cm
        for i in 1...20 { state.ingest(fix(UInt64(i), ue: UInt32(i % 3), x: 0, y: 0, truth: Double(i) / 100)) }
        state.ingest(fix(99, x: 0, y: 0, truth: .nan)) // not counted
        let e = try! #require(state.snapshot().errors)
        #expect(e.count == 20)
        #expect(abs(e.medianM - 0.105) < 1e-12 && abs(e.p95M - 0.19) < 1e-12 && abs(e.maxM - 0.20) < 1e-12)
        #expect(ViewState().snapshot().errors == nil)
    }

    @Test func ellipsesFollowTheClosedForm() throws {
        // cov = diag(4, 1) m²: semi-axes k·2 and k·1 with k = √(−2 ln 0.05) (docs/protocol.md §2.2), orientation 0
        let k = (-2 * log(0.05)).squareRoot()
        let track = PositionFix.Track(
            position: SIMD3(1, 1, 1.5), velocity: SIMD3(0.6, 0.8, 0), covariance: [1, 0, 0, 9],
            velocityCovariance: [0.1, 0, 0, 0.1], event: "updated", updates: 4, ageSeconds: 1, sinceUpdateSeconds: 0)
        let state = ViewState()
        state.ingest(fix(1, x: 0, y: 0, cov: [4, 0, 0, 1], track: track))
        let u = try #require(state.snapshot().ues.first)
        let e = try #require(u.ellipse)
        #expect(abs(e.semiMajorM - 2 * k) < 1e-9 && abs(e.semiMinorM - k) < 1e-9 && abs(e.orientationDeg) < 1e-9)
        let t = try #require(u.track)
        #expect(abs(try #require(t.speedMps) - 1) < 1e-12) // √(0.6² + 0.8²)
        let te = try #require(t.ellipse) // diag(1, 9): major axis along y, semi-axes 3k and k
        #expect(
            abs(te.semiMajorM - 3 * k) < 1e-9 && abs(te.semiMinorM - k) < 1e-9 && abs(te.orientationDeg - 90) < 1e-9)
        #expect(u.trackTail == [[1, 1]])
    }

    @Test func jsonHasSortedKeysNoNaNAndTheDocumentedMembers() throws {
        let state = ViewState(source: "tcp://127.0.0.1:5557")
        state.ingest(fix(1, x: 1, y: 2, status: .failed))
        state.ingest(fix(2, ue: 2, x: 3, y: 4, cov: [0.01, 0, 0, 0.01], truth: 0.02))
        let snapshot = state.snapshot()
        let data = try ViewPage.encoder.encode(snapshot)
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains("NaN") && !text.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["area", "counters", "errors", "source", "ues", "version"])
        let ues = try #require(object["ues"] as? [[String: Any]])
        #expect(ues[0]["x"] == nil && ues[0]["status"] as? String == "failed")
        #expect(ues[1]["x"] as? Double == 3 && ues[1]["truth_error_m"] as? Double == 0.02)
        #expect((ues[1]["ellipse"] as? [String: Any])?["semi_major_m"] != nil)
        #expect(text.range(of: #""counters":\{"clients":0,"clients_dropped":0"#, options: .regularExpression) != nil)
        // decodes back to the same snapshot
        #expect(try JSONDecoder().decode(ViewSnapshot.self, from: data) == snapshot)
    }

    @Test func aHugeFiniteVelocityStillEncodes() throws {
        // 1e200 m/s is finite, but √(vx² + vy²) overflows to +inf, which JSONEncoder refuses
        let v = 1e200
        #expect(!(v * v).isFinite)
        let track = PositionFix.Track(
            position: SIMD3(1, 1, 1.5), velocity: SIMD3(v, v, 0), covariance: [1, 0, 0, 1],
            velocityCovariance: [1, 0, 0, 1], event: "updated", updates: 1, ageSeconds: 1, sinceUpdateSeconds: 0)
        let state = ViewState()
        // two huge finite truth errors: their plain mean overflows too
        state.ingest(fix(1, x: 0, y: 0, truth: .greatestFiniteMagnitude, track: track))
        state.ingest(fix(2, ue: 2, x: 0, y: 0, truth: .greatestFiniteMagnitude))
        let snapshot = state.snapshot()
        let data = try ViewPage.encoder.encode(snapshot)
        let t = try #require(snapshot.ues.first?.track)
        #expect(t.speedMps == nil && t.vx == v)
        #expect(snapshot.errors?.medianM == .greatestFiniteMagnitude)
        #expect(try JSONDecoder().decode(ViewSnapshot.self, from: data) == snapshot)
    }

    @Test func aHugeFixIsNotKeptWhole() throws {
        // ~1 MiB of stages, model and frame, and a 100 KiB event: the page draws none of it
        let big = String(repeating: "é", count: 50_000)
        let stages = JSONValue.array((0..<5_000).map { .string("stage \($0) " + String(repeating: "x", count: 150)) })
        let track = PositionFix.Track(
            position: SIMD3(1, 1, 1.5), velocity: SIMD3(0, 0, 0), covariance: [1, 0, 0, 1],
            velocityCovariance: [1, 0, 0, 1], event: big, updates: 1, ageSeconds: 1, sinceUpdateSeconds: 0)
        var f = fix(1, x: 0, y: 0, track: track)
        f.stages = stages
        f.model = big
        f.frame = big
        let state = ViewState()
        state.ingest(f)
        let data = try ViewPage.encoder.encode(state.snapshot())
        #expect(data.count < 2_000)
        let event = try #require(state.snapshot().ues.first?.track?.event)
        #expect(event == String(repeating: "é", count: 16)) // 2 bytes each: 32 bytes
        #expect(ViewState.capped("ab") == "ab")
    }

    @Test func tailPositionsOverAllUEsAreBounded() {
        var limits = ViewLimits()
        limits.maxUEs = 10_000
        limits.tailLength = 1_000
        #expect(throws: ViewError.self) { try limits.validate() }
        limits.tailLength = 100
        #expect(throws: Never.self) { try limits.validate() }
    }

    @Test func metricsAreCappedAndKeptOnError() {
        var limits = ViewLimits()
        limits.maxMetricSeries = 2
        let state = ViewState(limits: limits)
        state.setMetrics(url: "u", series: ["c": 3, "a": 1, "b": 2, "d": .nan], error: nil)
        #expect(state.snapshot().metrics?.series == ["a": 1, "b": 2])
        state.setMetrics(url: "u", series: nil, error: "refused")
        #expect(state.snapshot().metrics?.series == ["a": 1, "b": 2])
        #expect(state.snapshot().metrics?.error == "refused")
    }
}
