import CSIChannel
import CSISearch
import CSIWire

/// Turns the localizer's `Fix` for a frame into the wire's `PositionFix` (docs/protocol.md §3).
///
/// Status mapping: `converged` and `on-grid` (the configured method has no refinement) → `ok`;
/// `not-converged`, `gross-error-suspected`, `model-untrusted` and `ambiguous` → `suspect` (a position exists but a
/// plausibility check failed); a non-finite position, or a cost that is not a number (the model gave NaN there) → `failed`
/// (coordinates `null`).
enum FixFormatter {
    static func status(of fix: Fix) -> PositionFix.Status {
        guard fix.position.x.isFinite, fix.position.y.isFinite, fix.position.z.isFinite, !fix.cost.isNaN else {
            return .failed
        }
        switch fix.status {
        case .converged, .onGrid: return .ok
        case .notConverged, .grossErrorSuspected, .modelUntrusted, .ambiguous: return .suspect
        }
    }

    static func positionFix(
        _ fix: Fix, frame: CSIFrame, model: ServingModel, publishNs: Int64, latencyMs: Double,
        includeStages: Bool
    ) -> PositionFix {
        let status = status(of: fix)
        let position = status == .failed ? SIMD3<Double>(repeating: .nan) : fix.position
        var truthError: Double?
        if let truth = frame.truth, status != .failed {
            let d = position - truth
            truthError = (d * d).sum().squareRoot()
        }
        var stages: JSONValue?
        if includeStages {
            var members: [String: JSONValue] = [
                "fix_status": .string(fix.status.rawValue), "noise_source": .string(fix.noiseSource.rawValue),
            ]
            if let r = fix.runnerUp {
                members["runner_up_cost"] = .double(r.cost)
                members["runner_up_distance_m"] = .double((r.position - fix.position).length)
            }
            for s in fix.stages { members["\(s.stage.rawValue)_ms"] = .double(s.seconds * 1000) }
            stages = .object(members)
        }
        return PositionFix(
            seq: frame.header.seq, receiverID: frame.header.receiverID, ueID: frame.header.ueID,
            tCaptureNs: frame.header.tCaptureNs, tPublishNs: publishNs, position: position, frame: model.frameName,
            covariance: status == .failed ? [] : (fix.covariance?.matrix ?? []),
            status: status, cost: fix.cost, latencyMs: latencyMs, model: model.identity,
            truthErrorM: truthError, stages: stages)
    }
}
