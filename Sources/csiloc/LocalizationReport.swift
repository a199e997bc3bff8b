import CSIChannel
import CSISearch
import Foundation

/// Text and JSON summaries of localization results (shared by `localize` and `bench localize`).
enum LocalizationReport {
    /// One summary line per method: percentiles in cm and in λ₀, gross errors, frames/s.
    static func summary(_ r: MethodResult, wavelength: Double, los: [Bool]?) -> [String] {
        errorLines(r, wavelength: wavelength, los: los) + [throughputLine(r, wavelength: wavelength)]
    }

    /// The error lines of ``summary``: all points, then LoS and NLoS when both occur.
    static func errorLines(_ r: MethodResult, wavelength: Double, los: [Bool]?) -> [String] {
        var lines: [String] = []
        func line(_ label: String, _ errors: [Double]) -> String {
            let s = ErrorStatistics(errors: errors, grossThreshold: wavelength / 2)
            return String(format: "  %-22@ n=%5d  median %9.4f cm (%.2e λ)  p75 %8.3f  p90 %8.3f  p95 %8.3f  p99 %8.3f cm  gross %5.1f %%",
                          label, s.count, s.median * 100, s.median / wavelength, s.p75 * 100, s.p90 * 100,
                          s.p95 * 100, s.p99 * 100, 100 * s.grossErrorRate)
        }
        lines.append(line(r.name, r.errors))
        if let los, los.contains(true), los.contains(false) {
            lines.append(line("  LoS", zip(r.errors, los).filter { $0.1 }.map(\.0)))
            lines.append(line("  NLoS", zip(r.errors, los).filter { !$0.1 }.map(\.0)))
        }
        return lines
    }

    /// The last line of ``summary``: frames/s, threads, build time and, for localizer fixes, the flags.
    static func throughputLine(_ r: MethodResult, wavelength: Double) -> String {
        var tail = String(format: "  %-22@ %.1f frames/s on %d threads (build %.2f s)", "", r.framesPerSecond, r.threads, r.buildSeconds)
        if let fixes = r.fixes {
            let flagged = fixes.filter { $0.status == .grossErrorSuspected }.count
            let gross = zip(fixes, r.errors).filter { $0.1 > wavelength / 2 }
            let caught = gross.filter { $0.0.status == .grossErrorSuspected }.count
            tail += String(format: "; flagged %d (%.1f %%), catching %d of %d gross errors", flagged,
                           100 * Double(flagged) / Double(max(1, fixes.count)), caught, gross.count)
        }
        return tail
    }

    /// Noise ratios (residual / expected noise residual) after the first refinement and at the end, split
    /// by whether that stage's position was within λ₀/2 of the truth: how well the residual separates
    /// correct fixes from neighbouring minima (the basis of the status and of `skipCirclesBelowNoiseRatio`).
    static func residualDiagnostics(_ r: MethodResult, truth: [Point3], wavelength: Double, dimension: Int) -> [String] {
        guard let fixes = r.fixes, !fixes.isEmpty else { return [] }
        func q(_ v: [Double]) -> String {
            let s = v.sorted()
            guard !s.isEmpty else { return "—" }
            func at(_ p: Double) -> Double { s[min(s.count - 1, Int(p * Double(s.count - 1)))] }
            return String(format: "n=%d min %.3g p5 %.3g p50 %.3g p95 %.3g max %.3g", s.count, s[0], at(0.05), at(0.5), at(0.95), s[s.count - 1])
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
        let table = stageTable(fixes)
        let total = table.reduce(0) { $0 + $1.seconds }
        var lines = ["  stage        time share   µs/frame   candidates/frame   values/frame   jacobians/frame"]
        for s in table {
            lines.append(String(format: "  %-10@   %8.1f %%   %8.1f   %16.1f   %12.1f   %15.2f", s.stage.rawValue,
                                100 * s.seconds / max(total, 1e-300), 1e6 * s.seconds, s.candidates, s.values, s.jacobians))
        }
        let v = table.reduce(0) { $0 + $1.values }, j = table.reduce(0) { $0 + $1.jacobians }
        lines.append(String(format: "  total        %.1f µs/frame of one core, %.1f values + %.2f Jacobians per frame", 1e6 * total, v, j))
        return lines
    }

    struct StageRow { var stage: SearchStage; var seconds, candidates, values, jacobians: Double }

    /// Mean per frame of each stage's diagnostics.
    static func stageTable(_ fixes: [Fix]) -> [StageRow] {
        var rows: [StageRow] = []
        for stage in SearchStage.allCases {
            var t = 0.0, c = 0.0, v = 0.0, j = 0.0, n = 0
            for f in fixes { for s in f.stages where s.stage == stage {
                t += s.seconds; c += Double(s.candidates); v += Double(s.valueEvaluations); j += Double(s.jacobianEvaluations); n += 1
            } }
            if n > 0 {
                let m = Double(fixes.count)
                rows.append(StageRow(stage: stage, seconds: t / m, candidates: c / m, values: v / m, jacobians: j / m))
            }
        }
        return rows
    }

    /// The JSON object of one method.
    static func json(_ r: MethodResult, wavelength: Double, los: [Bool]?) -> [String: Any] {
        let s = ErrorStatistics(errors: r.errors, grossThreshold: wavelength / 2)
        var o: [String: Any] = [
            "method": r.name, "points": s.count, "median_error_m": s.median, "p75_error_m": s.p75,
            "p90_error_m": s.p90, "p95_error_m": s.p95, "p99_error_m": s.p99, "mean_error_m": s.mean,
            "gross_error_rate": s.grossErrorRate, "frames_per_second": r.framesPerSecond, "threads": r.threads,
            "build_seconds": r.buildSeconds, "wavelength_m": wavelength,
        ]
        if let los, los.contains(true), los.contains(false) {
            for (key, want) in [("los", true), ("nlos", false)] {
                let e = zip(r.errors, los).filter { $0.1 == want }.map(\.0)
                let t = ErrorStatistics(errors: e, grossThreshold: wavelength / 2)
                o[key] = ["points": t.count, "median_error_m": t.median, "p90_error_m": t.p90, "gross_error_rate": t.grossErrorRate]
            }
        }
        if let fixes = r.fixes {
            o["stages"] = stageTable(fixes).map { ["stage": $0.stage.rawValue, "seconds_per_frame": $0.seconds,
                                                   "candidates_per_frame": $0.candidates, "values_per_frame": $0.values,
                                                   "jacobians_per_frame": $0.jacobians] }
            o["flagged_rate"] = Double(fixes.filter { $0.status == .grossErrorSuspected }.count) / Double(max(1, fixes.count))
        }
        return o
    }

    /// Serialises a JSON object on one line with sorted keys (NaN becomes null).
    static func encode(_ object: Any) -> String {
        func clean(_ v: Any) -> Any {
            if let d = v as? Double { return d.isFinite ? d : NSNull() }
            if let a = v as? [Any] { return a.map(clean) }
            if let o = v as? [String: Any] { return o.mapValues(clean) }
            return v
        }
        let data = (try? JSONSerialization.data(withJSONObject: clean(object), options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
