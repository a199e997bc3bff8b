import CSIChannel
import CSISearch
import Foundation

/// The text summaries of localization results (`localize`, `evaluate`, `bench localize`, the demo).
/// The JSON forms are ``MethodReport`` and the command reports built on it.
package enum LocalizationReport {
    /// One summary line per method: percentiles in cm and in λ₀, gross errors, frames/s.
    package static func summary(_ r: MethodResult, wavelength: Double, los: [Bool]?) -> [String] {
        errorLines(r, wavelength: wavelength, los: los) + [throughputLine(r, wavelength: wavelength)]
    }

    /// The error lines of ``summary``: all points, then LoS and NLoS when both occur.
    static func errorLines(_ r: MethodResult, wavelength: Double, los: [Bool]?) -> [String] {
        var lines: [String] = []
        func line(_ label: String, _ errors: [Double]) -> String {
            let s = ErrorStatistics(errors: errors, grossThreshold: wavelength / 2)
            return String(
                format:
                    "  %-22@ n=%5d  median %9.4f cm (%.2e λ)  p75 %8.3f  p90 %8.3f  p95 %8.3f  p99 %8.3f cm  gross %5.1f %%",
                label, s.count, s.median * 100, s.median / wavelength, s.p75 * 100, s.p90 * 100,
                s.p95 * 100, s.p99 * 100, 100 * s.grossErrorRate)
        }
        lines.append(line(r.name, r.errors))
        if let split = LoSSplit(errors: r.errors, los: los) {
            lines.append(line("  LoS", split.los))
            lines.append(line("  NLoS", split.nlos))
        }
        return lines
    }

    /// The last line of ``summary``: frames/s, threads, build time and, for localizer fixes, the flags.
    static func throughputLine(_ r: MethodResult, wavelength: Double) -> String {
        var tail = String(
            format: "  %-22@ %.1f frames/s on %d threads (build %.2f s)", "", r.framesPerSecond, r.threads,
            r.buildSeconds)
        if let fixes = r.fixes {
            let flagged = fixes.filter { $0.status.isFlagged }.count
            let gross = zip(fixes, r.errors).filter { $0.1 > wavelength / 2 }
            let caught = gross.filter { $0.0.status.isFlagged }.count
            let untrusted = fixes.filter { $0.status == .modelUntrusted }.count
            let ambiguous = fixes.filter { $0.status == .ambiguous }.count
            tail += String(
                format:
                    "; flagged %d (%.1f %%%@), catching %d of %d gross errors (%.1f %%) and %d of %d good fixes (%.1f %%)",
                flagged,
                100 * Double(flagged) / Double(max(1, fixes.count)),
                (untrusted > 0 ? String(format: ", %d model-untrusted", untrusted) : "")
                    + (ambiguous > 0 ? String(format: ", %d ambiguous", ambiguous) : ""), caught, gross.count,
                100 * Double(caught) / Double(max(1, gross.count)), flagged - caught, fixes.count - gross.count,
                100 * Double(flagged - caught) / Double(max(1, fixes.count - gross.count)))
            // Whether the frames' reported SNRs were used (docs/localization.md, "Uncertainty and status").
            let sources = NoiseSource.allCases.compactMap { source -> String? in
                let n = fixes.filter { $0.noiseSource == source }.count
                return n > 0 ? "\(n) \(source.rawValue)" : nil
            }
            tail += "; noise level: " + sources.joined(separator: ", ")
        }
        return tail
    }

    /// Noise ratios (residual / expected noise residual) after the first refinement and at the end, split
    /// by whether that stage's position was within λ₀/2 of the truth: how well the residual separates
    /// correct fixes from neighbouring minima (the basis of the fix status).
    /// Percentiles by ``EmpiricalDistribution``.
    static func residualDiagnostics(
        _ r: MethodResult, truth: [Point3], wavelength: Double, dimension: Int
    ) -> [String] {
        guard let fixes = r.fixes, !fixes.isEmpty else { return [] }
        func q(_ v: [Double]) -> String {
            let d = EmpiricalDistribution(v)
            guard let first = d.sorted.first, let last = d.sorted.last else { return "—" }
            return String(
                format: "n=%d min %.3g p5 %.3g p50 %.3g p95 %.3g max %.3g", d.count, first, d.quantile(0.05),
                d.quantile(0.5), d.quantile(0.95), last)
        }
        var lines: [String] = []
        for stage in [SearchStage.refine1, .refine2] {
            var good: [Double] = [], bad: [Double] = []
            for (f, t) in zip(fixes, truth) {
                guard let st = f.stages.first(where: { $0.stage == stage }) else { continue }
                let ratio = st.cost / (f.cost / f.noiseRatio)
                var d = st.position - t
                if dimension == 2 { d.z = 0 }
                if d.length <= wavelength / 2 { good.append(ratio) } else { bad.append(ratio) }
            }
            if good.isEmpty && bad.isEmpty { continue }
            lines.append("  noise ratio after \(stage.rawValue): correct \(q(good)); wrong \(q(bad))")
        }
        return lines
    }

    /// Per-stage share of time, candidates and model evaluations per frame.
    static func stages(_ r: MethodResult) -> [String] {
        guard let fixes = r.fixes, !fixes.isEmpty else { return [] }
        let table = StageTable(fixes).rows
        let total = table.reduce(0) { $0 + $1.seconds }
        var lines = ["  stage        ran     time share   µs/frame   candidates/frame   values/frame   jacobians/frame"]
        for s in table {
            let name = s.stage.rawValue.padding(toLength: max(10, s.stage.rawValue.count), withPad: " ", startingAt: 0)
            lines.append(
                String(
                    format: "  %@ %5.1f %%   %8.1f %%   %8.1f   %16.1f   %12.1f   %15.2f", name,
                    100 * s.ranFraction, 100 * s.seconds / max(total, 1e-300), 1e6 * s.seconds, s.candidates,
                    s.values, s.jacobians))
        }
        let v = table.reduce(0) { $0 + $1.values }, j = table.reduce(0) { $0 + $1.jacobians }
        lines.append(
            String(
                format: "  total        %.1f µs/frame of one core, %.1f values + %.2f Jacobians per frame", 1e6 * total,
                v, j))
        return lines
    }
}
