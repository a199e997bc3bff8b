/// The `track` member of `csiloc evaluate --track --json`: the track's name (`robust+track`, `daemon track`), its
/// error figures (no throughput, threads or build time) and what the tracker did.
package struct TrackReport: Codable, Sendable, Equatable {
    package var method: String
    package var figures: MethodFigures
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
        case method, events, untracked, outliersGross = "outliers_gross", outliersNotGross = "outliers_not_gross"
        case grossFixesAccepted = "gross_fixes_accepted", speedRelativeErrorMedian = "speed_relative_error_median"
        case speedRelativeErrorP90 = "speed_relative_error_p90"
        case speedFramesOffByOver10Percent = "speed_frames_off_by_over_10_percent"
    }

    package init(_ s: TrackScore, wavelength: Double) {
        method = s.result.name
        figures = MethodFigures(s.result, wavelength: wavelength, los: nil)
        figures.threads = nil
        figures.buildSeconds = nil
        figures.framesPerSecond = nil
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

    package init(from decoder: any Decoder) throws {
        figures = try MethodFigures(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        method = try c.decode(String.self, forKey: .method)
        events = try c.decode([String: Int].self, forKey: .events)
        untracked = try c.decode(Int.self, forKey: .untracked)
        outliersGross = try c.decode(Int.self, forKey: .outliersGross)
        outliersNotGross = try c.decode(Int.self, forKey: .outliersNotGross)
        grossFixesAccepted = try c.decode(Int.self, forKey: .grossFixesAccepted)
        speedRelativeErrorMedian = try c.decodeIfPresent(Double.self, forKey: .speedRelativeErrorMedian)
        speedRelativeErrorP90 = try c.decodeIfPresent(Double.self, forKey: .speedRelativeErrorP90)
        speedFramesOffByOver10Percent = try c.decodeIfPresent(Double.self, forKey: .speedFramesOffByOver10Percent)
    }

    package func encode(to encoder: any Encoder) throws {
        try figures.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encode(events, forKey: .events)
        try c.encode(untracked, forKey: .untracked)
        try c.encode(outliersGross, forKey: .outliersGross)
        try c.encode(outliersNotGross, forKey: .outliersNotGross)
        try c.encode(grossFixesAccepted, forKey: .grossFixesAccepted)
        try c.encodeIfPresent(speedRelativeErrorMedian, forKey: .speedRelativeErrorMedian)
        try c.encodeIfPresent(speedRelativeErrorP90, forKey: .speedRelativeErrorP90)
        try c.encodeIfPresent(speedFramesOffByOver10Percent, forKey: .speedFramesOffByOver10Percent)
    }
}
