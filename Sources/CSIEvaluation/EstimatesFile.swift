public import CSIChannel
import CSISearch
import Foundation
import NumpyArchive

/// `csiloc localize --out`: the estimates of a run as an NPZ file.
///
/// Keys: `positions` (M,3); per method `estimates_<m>` (M,3), `errors_<m>` (M,), and for search methods
/// `status_<m>` (M,) (0 converged, 1 on-grid, 2 not converged, 3 gross error suspected, 4 model untrusted,
/// 5 ambiguous), `cost_<m>`, `runner_up_cost_<m>` (NaN without a runner-up), `cost_threshold_<m>`, `relative_residual_<m>`, `noise_ratio_<m>`, `model_nmse_<m>` (M,) (the
/// `Fix` fields; NaN model NMSE without a quality map) and `covariance_<m>` (M,d,d) (NaN when unavailable); `<m>` is the method name with `-` as `_`. A single method is also written
/// without suffix.
public enum EstimatesFile {
    /// Writes `results` and the `truth` positions to the NPZ file at `path` (keys above).
    public static func write(_ results: [MethodResult], truth: [Point3], to path: String) throws {
        let w = try NPZWriter(path: path)
        let m = truth.count
        try w.write(name: "positions", doubles: truth.flatMap { [$0.x, $0.y, $0.z] }, shape: [m, 3])
        for r in results {
            var suffixes = ["_" + r.name.replacingOccurrences(of: "-", with: "_")]
            if results.count == 1 { suffixes.append("") }
            for sfx in suffixes {
                try w.write(
                    name: "estimates" + sfx, doubles: r.estimates.flatMap { [$0.x, $0.y, $0.z] }, shape: [m, 3])
                try w.write(name: "errors" + sfx, doubles: r.errors, shape: [m])
                if let fixes = r.fixes {
                    let codes: [FixStatus] = [
                        .converged, .onGrid, .notConverged, .grossErrorSuspected, .modelUntrusted, .ambiguous,
                    ]
                    try w.write(
                        name: "status" + sfx, doubles: fixes.map { Double(codes.firstIndex(of: $0.status) ?? 0) },
                        shape: [m])
                    try w.write(name: "cost" + sfx, doubles: fixes.map(\.cost), shape: [m])
                    try w.write(
                        name: "runner_up_cost" + sfx, doubles: fixes.map { $0.runnerUp?.cost ?? .nan }, shape: [m])
                    try w.write(name: "cost_threshold" + sfx, doubles: fixes.map(\.costThreshold), shape: [m])
                    try w.write(name: "relative_residual" + sfx, doubles: fixes.map(\.relativeResidual), shape: [m])
                    try w.write(name: "noise_ratio" + sfx, doubles: fixes.map(\.noiseRatio), shape: [m])
                    try w.write(name: "model_nmse" + sfx, doubles: fixes.map { $0.modelNMSE ?? .nan }, shape: [m])
                    let d = fixes.first?.covariance?.dimension ?? 2
                    try w.write(
                        name: "covariance" + sfx,
                        doubles: fixes.flatMap { $0.covariance?.matrix ?? [Double](repeating: .nan, count: d * d) },
                        shape: [m, d, d])
                }
            }
        }
        try w.finish()
    }
}
