import CSIWire
import Foundation
import Synchronization

/// The live map's state: every UE's latest fix and tails, the counters, the recent truth errors and the daemon's
/// scraped metrics — bounded by ``ViewLimits`` whatever the feed sends. Thread-safe: the fix subscriber thread
/// writes, the update task reads ``snapshot(now:)``.
public final class ViewState: Sendable {
    /// What the page draws of a UE — never the whole fix (its `stages`, `model` and `frame` may fill a 1 MiB
    /// message): numbers, the status and the track's event capped at ``maxStringBytes``.
    struct Entry {
        var latest: ViewSnapshot.UE
        var receivedAt: ContinuousClock.Instant
        var tail = Ring<[Double]>()
        var trackTail = Ring<[Double]>()
        var fixes = 0
    }

    struct State {
        var ues: [UInt64: Entry] = [:]
        var counters = ViewSnapshot.Counters()
        var errors = Ring<Double>()
        var metrics: ViewSnapshot.DaemonMetrics?
        var metricsAt: ContinuousClock.Instant?
        var version: UInt64 = 0
    }

    /// The bounds every collection and string is kept within.
    public let limits: ViewLimits
    /// The area from a model, scene or region; `nil`: the fixes' bounds.
    public let area: MapArea?
    /// The feed's endpoint (shown on the page).
    let source: String
    private let state = Mutex(State())

    init(limits: ViewLimits = ViewLimits(), area: MapArea? = nil, source: String = "") {
        self.limits = limits
        self.area = area
        self.source = source
    }

    /// Takes in one fix: updates its UE (evicting the least recently seen one at ``ViewLimits/maxUEs``), the
    /// tails, the counters and the error window. Positions that are not finite or beyond
    /// ``MapArea/maxCoordinate`` are not drawn.
    func ingest(_ fix: PositionFix, now: ContinuousClock.Instant = .now) {
        let key = UInt64(fix.receiverID) << 32 | UInt64(fix.ueID)
        let limits = limits
        let latest = Self.slim(fix)
        state.withLock { s in
            s.version &+= 1
            s.counters.fixes += 1
            switch fix.status {
            case .ok: s.counters.ok += 1
            case .suspect: s.counters.suspect += 1
            case .outlier: s.counters.outlier += 1
            case .failed: s.counters.failed += 1
            }
            if s.ues[key] == nil, s.ues.count >= limits.maxUEs,
                let oldest = s.ues.min(by: { $0.value.receivedAt < $1.value.receivedAt })?.key
            {
                s.ues[oldest] = nil
                s.counters.uesEvicted += 1
            }
            var entry = s.ues[key] ?? Entry(latest: latest, receivedAt: now)
            entry.latest = latest
            entry.receivedAt = now
            entry.fixes += 1
            if fix.status != .failed, let p = Self.drawable(fix.position.x, fix.position.y) {
                entry.tail.append(p, capacity: limits.tailLength)
            }
            if let t = fix.track, let p = Self.drawable(t.position.x, t.position.y) {
                if entry.trackTail.last != p { entry.trackTail.append(p, capacity: limits.tailLength) }
            }
            s.ues[key] = entry
            if let e = fix.truthErrorM, e.isFinite, e >= 0 { s.errors.append(e, capacity: limits.errorWindow) }
        }
    }

    /// Counts a snapshot that could not be encoded (``ViewSnapshot/Counters/encodeFailures``); returns the count.
    @discardableResult
    func countEncodeFailure() -> Int {
        state.withLock { s in
            s.counters.encodeFailures += 1
            s.version &+= 1
            return s.counters.encodeFailures
        }
    }

    /// Counts a message on the feed that is not a fix.
    func countUndecodable() {
        state.withLock { $0.undecodable() }
    }

    /// Records the browsers streaming, dropped and refused (from ``EventBroadcaster``).
    func setClients(current: Int, dropped: Int, refused: Int) {
        state.withLock { s in
            guard
                s.counters.clients != current || s.counters.clientsDropped != dropped
                    || s.counters.clientsRefused != refused
            else { return }
            s.counters.clients = current
            s.counters.clientsDropped = dropped
            s.counters.clientsRefused = refused
            s.version &+= 1
        }
    }

    /// Records a scrape of the daemon's `/metrics`: the series (kept: the first ``ViewLimits/maxMetricSeries`` by
    /// name), or the error, which keeps the last series.
    func setMetrics(url: String, series: [String: Double]?, error: String?, now: ContinuousClock.Instant = .now) {
        let cap = limits.maxMetricSeries
        state.withLock { s in
            var m = s.metrics ?? ViewSnapshot.DaemonMetrics(url: url, series: [:])
            m.url = url
            m.error = error
            if let series {
                m.series = Dictionary(
                    uniqueKeysWithValues: series.filter { $0.value.isFinite }.sorted { $0.key < $1.key }.prefix(cap).map
                    { ($0.key, $0.value) })
                s.metricsAt = now
            }
            s.metrics = m
            s.version &+= 1
        }
    }

    /// Increases with every change; the update task sends a snapshot only when it moved.
    var version: UInt64 { state.withLock { $0.version } }

    /// The page's view of the state now.
    public func snapshot(now: ContinuousClock.Instant = .now) -> ViewSnapshot {
        let (s, entries) = state.withLock { s in (s, s.ues.sorted { $0.key < $1.key }.map(\.value)) }
        let ues = entries.map { e -> ViewSnapshot.UE in
            var u = e.latest
            u.tail = e.tail.elements
            u.trackTail = e.trackTail.elements
            u.fixes = e.fixes
            u.ageS = Self.seconds(now - e.receivedAt)
            return u
        }
        var metrics = s.metrics
        if let at = s.metricsAt { metrics?.ageS = Self.seconds(now - at) }
        // the auto area: the bounds of what is drawn now, so it shrinks again once a stray point left the tails
        var bounds: (x: ClosedRange<Double>, y: ClosedRange<Double>)?
        if area == nil {
            for u in ues { for p in u.tail + u.trackTail { bounds = Self.extend(bounds, p) } }
        }
        return ViewSnapshot(
            area: area ?? bounds.flatMap(Self.paddedArea), ues: ues, counters: s.counters,
            errors: Self.errorStatistics(s.errors.elements), metrics: metrics, source: source, version: s.version)
    }

    // MARK: helpers

    /// Longest string kept from a fix (the track's `event`), bytes of UTF-8.
    static let maxStringBytes = 32

    /// The fields of `fix` the page draws, without tails, count or age (filled in by ``snapshot(now:)``).
    static func slim(_ f: PositionFix) -> ViewSnapshot.UE {
        let position = f.status == .failed ? nil : drawable(f.position.x, f.position.y)
        return ViewSnapshot.UE(
            receiver: f.receiverID, ue: f.ueID, seq: f.seq, status: f.status.rawValue,
            x: position?[0], y: position?[1], z: position == nil ? nil : finite(f.position.z),
            ellipse: position == nil ? nil : f.ellipse.flatMap(ellipse),
            truthErrorM: f.truthErrorM.flatMap(finite), latencyMs: finite(f.latencyMs),
            track: f.track.flatMap(track), tail: [], trackTail: [], fixes: 0, ageS: 0)
    }

    /// `text` cut to at most `maxBytes` of UTF-8 at a character boundary.
    static func capped(_ text: String, maxBytes: Int = maxStringBytes) -> String {
        guard text.utf8.count > maxBytes else { return text }
        var out = ""
        for c in text where out.utf8.count + c.utf8.count <= maxBytes { out.append(c) }
        return out
    }

    /// `[x, y]` when both are finite and within ``MapArea/maxCoordinate``.
    static func drawable(_ x: Double, _ y: Double) -> [Double]? {
        guard x.isFinite, y.isFinite, abs(x) <= MapArea.maxCoordinate, abs(y) <= MapArea.maxCoordinate else {
            return nil
        }
        return [x, y]
    }

    static func extend(
        _ b: (x: ClosedRange<Double>, y: ClosedRange<Double>)?, _ p: [Double]
    ) -> (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        guard let b else { return (p[0]...p[0], p[1]...p[1]) }
        return (
            min(b.x.lowerBound, p[0])...max(b.x.upperBound, p[0]), min(b.y.lowerBound, p[1])...max(b.y.upperBound, p[1])
        )
    }

    /// The fixes' bounds with a 10 % margin (at least 0.5 m each side), as the map's area, clamped to
    /// ±``MapArea/maxCoordinate``.
    static func paddedArea(_ b: (x: ClosedRange<Double>, y: ClosedRange<Double>)) -> MapArea? {
        func pad(_ r: ClosedRange<Double>) -> ClosedRange<Double> {
            let m = max(0.1 * (r.upperBound - r.lowerBound), 0.5)
            return max(r.lowerBound - m, -MapArea.maxCoordinate)...min(r.upperBound + m, MapArea.maxCoordinate)
        }
        return try? MapArea(source: "fixes", x: pad(b.x), y: pad(b.y))
    }

    static func ellipse(_ e: UncertaintyEllipse) -> ViewSnapshot.Ellipse? {
        guard e.semiMajorM.isFinite, e.semiMinorM.isFinite, e.orientationDeg.isFinite, e.confidence.isFinite,
            e.semiMajorM >= 0, e.semiMinorM >= 0, e.semiMajorM <= MapArea.maxCoordinate
        else { return nil }
        return ViewSnapshot.Ellipse(
            semiMajorM: e.semiMajorM, semiMinorM: e.semiMinorM, orientationDeg: e.orientationDeg,
            confidence: e.confidence)
    }

    static func track(_ t: PositionFix.Track) -> ViewSnapshot.Track? {
        guard let p = drawable(t.position.x, t.position.y), t.velocity.x.isFinite, t.velocity.y.isFinite else {
            return nil
        }
        return ViewSnapshot.Track(
            x: p[0], y: p[1], vx: t.velocity.x, vy: t.velocity.y, speedMps: finite(t.speedMps),
            ellipse: UncertaintyEllipse(covariance: t.covariance, confidence: PositionFix.defaultConfidence).flatMap(
                ellipse),
            event: capped(t.event))
    }

    /// Median, 95th percentile (nearest rank on the sorted window) and maximum; `nil` for no errors.
    static func errorStatistics(_ errors: [Double]) -> ViewSnapshot.Errors? {
        guard !errors.isEmpty else { return nil }
        let sorted = errors.sorted()
        func rank(_ q: Double) -> Double {
            sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
        }
        let n = sorted.count
        // halves first: the sum of two finite errors near Double.greatestFiniteMagnitude overflows
        let median = n % 2 == 1 ? sorted[n / 2] : sorted[n / 2 - 1] / 2 + sorted[n / 2] / 2
        return ViewSnapshot.Errors(count: n, medianM: median, p95M: rank(0.95), maxM: sorted[n - 1])
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

private extension ViewState.State {
    mutating func undecodable() {
        counters.undecodable += 1
        version &+= 1
    }
}

/// `v` when finite, else `nil` (JSON has no NaN).
func finite(_ v: Double) -> Double? { v.isFinite ? v : nil }
