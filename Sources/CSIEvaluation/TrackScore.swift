import Foundation

/// What tracking did to a set of frames (`csiloc evaluate --track`).
package struct TrackScore: Sendable {
    /// The track's positions (the raw fix where no track existed) scored like a method.
    package var result: MethodResult
    /// Fixes per `track.event`.
    package var events: [String: Int] = [:]
    /// Frames scored with the raw fix because no track existed.
    package var untracked = 0
    /// |speed − true speed| / true speed over frames whose track is ≥ 1 s old and whose truth moved.
    package var speedErrors: [Double] = []
    /// Published `outlier` fixes that were (not) gross errors, and gross fixes the gate let through.
    var outlierGross = 0, outlierFine = 0, grossAccepted = 0

    package init(result: MethodResult) {
        self.result = result
    }

    /// Speed errors summarised, "gross" meaning off by more than 10 %; nil when no frame qualified.
    var speedStatistics: ErrorStatistics? {
        speedErrors.isEmpty ? nil : ErrorStatistics(errors: speedErrors, grossThreshold: 0.1)
    }

    /// Text lines (after the error line of ``result``).
    package var lines: [String] {
        let eventList = events.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var lines = ["  track events: \(eventList)\(untracked > 0 ? ", no track \(untracked)" : "")"]
        lines.append(
            "  gate: \(outlierGross) outliers were gross fixes, \(outlierFine) were not; \(grossAccepted) gross fixes updated a track"
        )
        if let e = speedStatistics {
            lines.append(
                String(
                    format:
                        "  speed (tracks ≥ 1 s old): relative error median %.1f %%, p90 %.1f %%, %.1f %% of frames off by > 10 %%",
                    100 * e.median, 100 * e.p90, 100 * e.grossErrorRate))
        }
        return lines
    }
}
