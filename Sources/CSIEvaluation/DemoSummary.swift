public import CSICapture
public import CSIChannel
public import CSILocDaemon
public import CSIWire
import Foundation

/// The closing summary of `csiloc demo`: the fixes the daemon published, scored against the capture's truth.
public struct DemoSummary: Sendable {
    /// The first fix of each frame (seq < truth count), as a method `csilocd (live)`.
    package var result: MethodResult
    /// `latency_ms` of those fixes (finite ones).
    package var latencyMs: EmpiricalDistribution
    /// λ₀ of the capture's carrier, metres.
    public var wavelength: Double
    /// The replay's counters (records sent, filtered, passes).
    public var replay: CaptureReplayer.Progress
    /// The daemon's counters at the end of the demo.
    public var snapshot: DaemonMetrics.Snapshot

    /// - Parameter elapsed: wall time of the whole demo, s (the result's throughput).
    public init(
        fixes: [PositionFix], truth: [Point3], wavelength: Double, replay: CaptureReplayer.Progress,
        snapshot: DaemonMetrics.Snapshot, elapsed: Double
    ) {
        var errors: [Double] = [], estimates: [Point3] = [], latencies: [Double] = []
        var seen = Set<UInt64>()
        for f in fixes where f.seq < UInt64(truth.count) && seen.insert(f.seq).inserted {
            let p = f.position
            estimates.append(p)
            errors.append((p - truth[Int(f.seq)]).length)
            if f.latencyMs.isFinite { latencies.append(f.latencyMs) }
        }
        result = MethodResult(
            name: "csilocd (live)", estimates: estimates, errors: errors, fixes: nil, seconds: max(elapsed, 1e-9))
        latencyMs = EmpiricalDistribution(latencies)
        self.wavelength = wavelength
        self.replay = replay
        self.snapshot = snapshot
    }

    /// The summary lines (after an empty line). Latency percentiles by ``EmpiricalDistribution``.
    public var lines: [String] {
        let stats = result.statistics(wavelength: wavelength)
        return [
            "",
            String(
                format: "demo: %d frames replayed, %d fixes published (%d superseded, %d rejected), in %.1f s",
                replay.sent, snapshot.published, snapshot.superseded, snapshot.rejected, result.seconds),
            String(
                format: "demo: error median %.4f cm (%.2e λ), p90 %.4f cm, p95 %.4f cm, gross (> λ/2) %.1f %% of %d",
                stats.median * 100, stats.median / wavelength, stats.p90 * 100, stats.p95 * 100,
                100 * stats.grossErrorRate, stats.count),
            String(
                format: "demo: daemon latency (capture → publish) p50 %.2f ms, p99 %.2f ms", latencyMs.quantile(0.5),
                latencyMs.quantile(0.99)),
        ]
    }

    /// The error CDF picture.
    public var cdfSVG: String {
        ErrorPictures.cdf([result], wavelength: wavelength, title: "csiloc demo: localization error CDF")
    }
}
