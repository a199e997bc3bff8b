import CSISearch
import CSITracking
import CSIWire
import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// Every counter, gauge and histogram of one daemon instance, exported through swift-metrics into a
/// Prometheus registry owned by this instance (not the process-global `MetricsSystem`, so tests can run
/// several daemons in one process).
///
/// Counters are mirrored in atomics (``snapshot()``) so that tests and the shutdown summary can check the
/// accounting identity `received = processed + superseded + dropped + rejected (+ queued + in flight)`.
public final class DaemonMetrics: Sendable {
    /// The registry `/metrics` renders.
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    /// Reasons a frame is rejected on top of `FrameRejection.Reason`: the daemon's own checks.
    enum DaemonReason: String, Sendable, CaseIterable {
        /// `n_ant`/`n_sc` differ from the served model's.
        case shapeMismatch = "shape_mismatch"
        /// More parts than ``Pipeline`` accepts in one message (protocol v1 uses 3 or 4): drained and dropped
        /// without a copy (docs/daemon.md, "Memory ceiling").
        case tooManyParts = "too_many_parts"
    }

    /// Why a valid frame was dropped without being localized.
    enum DropReason: String, Sendable, CaseIterable {
        /// `queue.max_ues` UEs already had frames pending.
        case ueLimit = "ue_limit"
        /// The frame arrived while the daemon was draining.
        case shuttingDown = "shutting_down"
    }

    /// Point-in-time counter values.
    public struct Snapshot: Sendable, Equatable {
        /// Frames received, decoded, rejected, superseded (a newer frame of the same UE replaced them), dropped (queue
        /// full) and processed.
        public var received = 0, decoded = 0, rejected = 0, superseded = 0, dropped = 0, processed = 0
        /// Fixes published and publish errors; sequence gaps seen; frames queued and in flight now.
        public var published = 0, publishErrors = 0, sequenceGaps = 0, queued = 0, inFlight = 0
        /// Rejected frames by reason (the `reason` label).
        public var rejectedByReason: [String: Int] = [:]
        /// Reloads that succeeded and that failed.
        public var reloadsOK = 0, reloadsFailed = 0
        /// CPU time the workers spent inside `Localizer.localize`, s (the rest of the daemon's CPU is overhead).
        public var localizeCPUSeconds = 0.0
        /// Tracking: fixes per `track.event`, tracks held, tracks forgotten after inactivity or evicted by the cap.
        var trackEvents: [String: Int] = [:]
        var tracks = 0, tracksExpired = 0, tracksEvicted = 0
        /// CURVE handshakes answered by the ZAP handler, keyed `"<socket>/<allowed|refused>"` (e.g. `output/refused`).
        var curveAuthentications: [String: Int] = [:]
        /// All zero (e.g. the baseline of a difference).
        package init() {}

        /// Frames not yet accounted for as processed, superseded, dropped or rejected.
        var outstanding: Int { received - processed - superseded - dropped - rejected }
    }

    private struct Counts {
        var snapshot = Snapshot()
        /// Version of the queue depth in `snapshot.queued` (``QueueDepth``).
        var depthVersion: UInt64 = 0

        /// Takes `depth` unless a later one was recorded already; whether it did.
        mutating func record(_ depth: QueueDepth) -> Bool {
            guard depth.version > depthVersion else { return false }
            depthVersion = depth.version
            snapshot.queued = depth.frames
            return true
        }
    }

    private let counts = Mutex(Counts())
    private let localizeCPUCounter: CoreMetrics.FloatingPointCounter
    private let receivedCounter, decodedCounter, supersededCounter, processedCounter,
        publishErrorCounter: CoreMetrics.Counter
    private let sequenceResetCounter: CoreMetrics.Counter
    /// Gap counters per receiver id, created on first use; at most ``maxLabelledReceivers`` labels, the rest
    /// share `receiver="other"` (a hostile feed must not blow up the label cardinality).
    private let gapCounters = Mutex<[String: CoreMetrics.Counter]>([:])
    static let maxLabelledReceivers = 64
    private let rejectedCounters: [String: CoreMetrics.Counter]
    private let droppedCounters: [DropReason: CoreMetrics.Counter]
    private let publishedCounters: [String: CoreMetrics.Counter]
    /// Localized frames by where their noise level came from (`csilocd_noise_levels_total{source}`): how many
    /// frames' reported SNRs were used, capped, or not available.
    private let noiseSourceCounters: [NoiseSource: CoreMetrics.Counter]
    private let reloadCounters: [Bool: CoreMetrics.Counter]
    private let queueDepthGauge, inFlightGauge, workersGauge, generationGauge: CoreMetrics.Gauge
    private let stageTimers: [String: CoreMetrics.Timer]
    private let searchStageTimers: [SearchStage: CoreMetrics.Timer]
    private let trackEventCounters: [String: CoreMetrics.Counter]
    private let tracksRemovedCounters: [String: CoreMetrics.Counter]
    private let tracksGauge: CoreMetrics.Gauge
    /// `csilocd_curve_auth_total{socket, result}`, keyed `"<socket>/<result>"`.
    private let curveAuthCounters: [String: CoreMetrics.Counter]

    /// Pipeline stages with a latency histogram (`csilocd_stage_seconds{stage=…}`).
    enum Stage: String, Sendable, CaseIterable {
        case decode, queue, localize, publish, total
    }

    package init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(10),
        ]
        self.factory = factory
        func counter(_ name: String, _ dims: [(String, String)] = []) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: "csilocd_\(name)", dimensions: dims, factory: factory)
        }
        localizeCPUCounter = FloatingPointCounter(label: "csilocd_localize_cpu_seconds_total", factory: factory)
        receivedCounter = counter("frames_received_total")
        decodedCounter = counter("frames_decoded_total")
        supersededCounter = counter("frames_superseded_total")
        processedCounter = counter("frames_processed_total")
        publishErrorCounter = counter("publish_errors_total")
        sequenceResetCounter = counter("sequence_resets_total")
        let reasons = FrameRejection.Reason.allCases.map(\.rawValue) + DaemonReason.allCases.map(\.rawValue)
        rejectedCounters = Dictionary(
            uniqueKeysWithValues: reasons.map { ($0, counter("frames_rejected_total", [("reason", $0)])) })
        droppedCounters = Dictionary(
            uniqueKeysWithValues: DropReason.allCases.map {
                ($0, counter("frames_dropped_total", [("reason", $0.rawValue)]))
            })
        publishedCounters = Dictionary(
            uniqueKeysWithValues: PositionFix.Status.allCases.map(\.rawValue).map {
                ($0, counter("fixes_published_total", [("status", $0)]))
            })
        noiseSourceCounters = Dictionary(
            uniqueKeysWithValues: NoiseSource.allCases.map {
                ($0, counter("noise_levels_total", [("source", $0.rawValue)]))
            })
        reloadCounters = [
            true: counter("model_reloads_total", [("result", "ok")]),
            false: counter("model_reloads_total", [("result", "error")]),
        ]
        queueDepthGauge = CoreMetrics.Gauge(label: "csilocd_queue_depth", factory: factory)
        inFlightGauge = CoreMetrics.Gauge(label: "csilocd_frames_in_flight", factory: factory)
        workersGauge = CoreMetrics.Gauge(label: "csilocd_workers", factory: factory)
        generationGauge = CoreMetrics.Gauge(label: "csilocd_model_generation", factory: factory)
        stageTimers = Dictionary(
            uniqueKeysWithValues: Stage.allCases.map {
                (
                    $0.rawValue,
                    CoreMetrics.Timer(
                        label: "csilocd_stage_seconds", dimensions: [("stage", $0.rawValue)], factory: factory)
                )
            })
        searchStageTimers = Dictionary(
            uniqueKeysWithValues: SearchStage.allCases.map {
                (
                    $0,
                    CoreMetrics.Timer(
                        label: "csilocd_search_stage_seconds", dimensions: [("stage", $0.rawValue)], factory: factory)
                )
            })
        trackEventCounters = Dictionary(
            uniqueKeysWithValues: TrackEvent.allCases.map {
                ($0.rawValue, counter("track_events_total", [("event", $0.rawValue)]))
            })
        tracksRemovedCounters = Dictionary(
            uniqueKeysWithValues: ["expired", "evicted"].map {
                ($0, counter("tracks_removed_total", [("reason", $0)]))
            })
        tracksGauge = CoreMetrics.Gauge(label: "csilocd_tracks", factory: factory)
        curveAuthCounters = Dictionary(
            uniqueKeysWithValues: ["input", "output"].flatMap { socket in
                ["allowed", "refused"].map {
                    ("\(socket)/\($0)", counter("curve_auth_total", [("socket", socket), ("result", $0)]))
                }
            })
        for (_, c) in rejectedCounters { c.increment(by: 0) }
        for (_, c) in droppedCounters { c.increment(by: 0) }
    }

    /// Current values of the mirrored counters.
    public func snapshot() -> Snapshot { counts.withLock { $0.snapshot } }

    /// Renders the Prometheus text exposition.
    func exposition() -> [UInt8] { registry.emitToBuffer() }

    // MARK: recording (called from the receive thread and the workers)

    func received() {
        receivedCounter.increment()
        counts.withLock { $0.snapshot.received += 1 }
    }

    func decoded(seconds: Double) {
        decodedCounter.increment()
        stageTimers["decode"]!.recordNanoseconds(Int64(seconds * 1e9))
        counts.withLock { $0.snapshot.decoded += 1 }
    }

    func rejected(_ reason: String) {
        rejectedCounters[reason]?.increment()
        counts.withLock {
            $0.snapshot.rejected += 1
            $0.snapshot.rejectedByReason[reason, default: 0] += 1
        }
    }

    func queued(superseded: Int, depth: QueueDepth) {
        if superseded > 0 { supersededCounter.increment(by: superseded) }
        counts.withLock {
            $0.snapshot.superseded += superseded
            // Under the lock, so that the gauge too ends at the latest depth.
            if $0.record(depth) { queueDepthGauge.record(depth.frames) }
        }
    }

    func dropped(_ reason: DropReason) {
        droppedCounters[reason]!.increment()
        counts.withLock { $0.snapshot.dropped += 1 }
    }

    func taken(depth: QueueDepth, waited seconds: Double) {
        stageTimers["queue"]!.recordNanoseconds(Int64(seconds * 1e9))
        let inFlight = counts.withLock {
            if $0.record(depth) { queueDepthGauge.record(depth.frames) }
            $0.snapshot.inFlight += 1
            return $0.snapshot.inFlight
        }
        inFlightGauge.record(inFlight)
    }

    /// A frame left the worker: localized (and published or not), or rejected there.
    func finished(localized: Bool) {
        let inFlight = counts.withLock {
            $0.snapshot.inFlight -= 1
            if localized { $0.snapshot.processed += 1 }
            return $0.snapshot.inFlight
        }
        inFlightGauge.record(inFlight)
        if localized { processedCounter.increment() }
    }

    func localized(seconds: Double, cpuSeconds: Double, stages: [StageReport], noiseSource: NoiseSource) {
        stageTimers["localize"]!.recordNanoseconds(Int64(seconds * 1e9))
        noiseSourceCounters[noiseSource]?.increment()
        localizeCPUCounter.increment(by: cpuSeconds)
        counts.withLock { $0.snapshot.localizeCPUSeconds += cpuSeconds }
        for s in stages { searchStageTimers[s.stage]?.recordNanoseconds(Int64(s.seconds * 1e9)) }
    }

    func published(status: String, publishSeconds: Double, totalSeconds: Double) {
        publishedCounters[status]?.increment()
        stageTimers["publish"]!.recordNanoseconds(Int64(publishSeconds * 1e9))
        stageTimers["total"]!.recordNanoseconds(Int64(totalSeconds * 1e9))
        counts.withLock { $0.snapshot.published += 1 }
    }

    func publishFailed() {
        publishErrorCounter.increment()
        counts.withLock { $0.snapshot.publishErrors += 1 }
    }

    func sequenceGap(receiver: UInt32, missing: Int) {
        let factory = self.factory
        let counter = gapCounters.withLock { counters in
            var label = String(receiver)
            if counters[label] == nil, counters.count >= Self.maxLabelledReceivers { label = "other" }
            if let c = counters[label] { return c }
            let c = CoreMetrics.Counter(
                label: "csilocd_sequence_gap_frames_total", dimensions: [("receiver", label)], factory: factory)
            counters[label] = c
            return c
        }
        counter.increment(by: missing)
        counts.withLock { $0.snapshot.sequenceGaps += missing }
    }

    func sequenceReset() { sequenceResetCounter.increment() }

    func reload(succeeded: Bool) {
        reloadCounters[succeeded]!.increment()
        counts.withLock { if succeeded { $0.snapshot.reloadsOK += 1 } else { $0.snapshot.reloadsFailed += 1 } }
    }

    /// One fix went through the tracker; `tracks`, `expired`, `evicted` are the tracker's totals after it.
    func tracked(event: TrackEvent?, tracks: Int, expired: Int, evicted: Int) {
        if let event { trackEventCounters[event.rawValue]?.increment() }
        tracksGauge.record(tracks)
        let (newlyExpired, newlyEvicted) = counts.withLock { c -> (Int, Int) in
            if let event { c.snapshot.trackEvents[event.rawValue, default: 0] += 1 }
            let delta = (expired - c.snapshot.tracksExpired, evicted - c.snapshot.tracksEvicted)
            c.snapshot.tracks = tracks
            c.snapshot.tracksExpired = max(c.snapshot.tracksExpired, expired)
            c.snapshot.tracksEvicted = max(c.snapshot.tracksEvicted, evicted)
            return delta
        }
        if newlyExpired > 0 { tracksRemovedCounters["expired"]!.increment(by: newlyExpired) }
        if newlyEvicted > 0 { tracksRemovedCounters["evicted"]!.increment(by: newlyEvicted) }
    }

    /// The ZAP handler let a CURVE client of `socket` (`input`/`output`) in, or refused it.
    func curveAuthentication(socket: String, allowed: Bool) {
        let key = "\(socket)/\(allowed ? "allowed" : "refused")"
        curveAuthCounters[key]?.increment()
        counts.withLock { $0.snapshot.curveAuthentications[key, default: 0] += 1 }
    }

    func setWorkers(_ n: Int) { workersGauge.record(n) }
    func setGeneration(_ g: Int) { generationGauge.record(g) }
}
