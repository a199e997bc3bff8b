extension TrackReport {
    /// What the tracker did with the fixes: its events, the fixes no track used, how many outlier fixes were
    /// really gross (> λ₀/2), how many gross fixes still updated a track, and the track's speed error
    /// (docs/replay.md, "A moving UE"). Coded by the compiler; ``TrackReport`` writes these keys beside its figures.
    package struct Tracking: Codable, Sendable, Equatable {
        package var events: [String: Int]
        package var untracked: Int
        var outliersGross: Int
        var outliersNotGross: Int
        var grossFixesAccepted: Int
        /// Present when some frame's speed could be scored.
        var speedRelativeErrorMedian: Double?
        var speedRelativeErrorP90: Double?
        var speedFramesOffByOver10Percent: Double?

        enum CodingKeys: String, CodingKey {
            case events, untracked, outliersGross = "outliers_gross", outliersNotGross = "outliers_not_gross"
            case grossFixesAccepted = "gross_fixes_accepted", speedRelativeErrorMedian = "speed_relative_error_median"
            case speedRelativeErrorP90 = "speed_relative_error_p90"
            case speedFramesOffByOver10Percent = "speed_frames_off_by_over_10_percent"
        }

        init(_ s: TrackScore) {
            events = s.events
            untracked = s.untracked
            outliersGross = s.outlierGross
            outliersNotGross = s.outlierFine
            grossFixesAccepted = s.grossAccepted
            if let e = s.speedStatistics {
                speedRelativeErrorMedian = e.median
                speedRelativeErrorP90 = e.p90
                speedFramesOffByOver10Percent = e.grossErrorRate
            }
        }
    }
}
