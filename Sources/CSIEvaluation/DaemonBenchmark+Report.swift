import Foundation

/// The text report of `csiloc bench daemon`.
extension DaemonBenchmark {
    /// The lines after the heading: in-process figures, daemon figures, CPU per frame, the daemon's errors, RSS.
    /// Latency percentiles by ``EmpiricalDistribution``.
    public var lines: [String] {
        let local = inProcess
        let errors = local.errors
        var lines = [
            String(
                format:
                    "in-process localizer: %.0f frames/s, latency p50 %.3f ms, p99 %.3f ms; error > 1 mm: %.2f %% of frames, max %.2e m",
                local.rate, local.latencyMs.quantile(0.5), local.latencyMs.quantile(0.99),
                100 * Double(errors.filter { $0 > 1e-3 }.count) / Double(errors.count), errors.max() ?? .nan)
        ]
        let d = daemon
        let frames = Double(request.frames)
        lines.append(
            String(
                format:
                    "daemon: %.0f frames/s (overhead %.1f %%), latency_ms receipt→publish p50 %.3f, p99 %.3f; client round trip p50 %.3f, p99 %.3f ms",
                d.rate, 100 * (1 - d.rate / local.rate), d.latencyMs.quantile(0.5), d.latencyMs.quantile(0.99),
                d.roundTripMs.quantile(0.5), d.roundTripMs.quantile(0.99)))
        let daemonCPUPerFrame = d.daemonCPUSeconds / frames, solverCPUPerFrame = d.solverCPUSeconds / frames
        lines.append(
            String(
                format:
                    "CPU per frame: in-process localizer %.1f µs; daemon threads (receive + workers) %.1f µs, of which in the localizer %.1f µs → daemon overhead %.1f µs/frame = %.1f %% of the localizer",
                1e6 * local.cpuSecondsPerFrame, 1e6 * daemonCPUPerFrame, 1e6 * solverCPUPerFrame,
                1e6 * (daemonCPUPerFrame - solverCPUPerFrame), 100 * (daemonCPUPerFrame / solverCPUPerFrame - 1)))
        lines.append(
            String(
                format: "daemon fixes: error > 1 mm: %.2f %%, max %.2e m", 100 * Double(d.over1mm) / frames, d.maxError)
        )
        lines.append(
            String(
                format: "RSS: %.1f MiB after 10^3 frames, %.1f MiB after %d frames (%+.1f MiB)",
                Double(d.rssAfter1kKiB) / 1024, Double(d.rssAtEndKiB) / 1024, request.frames,
                Double(d.rssAtEndKiB - d.rssAfter1kKiB) / 1024))
        return lines
    }
}
