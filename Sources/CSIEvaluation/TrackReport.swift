/// The `track` member of `csiloc evaluate --track --json`: the track's name (`robust+track`, `daemon track`), its
/// error figures (no throughput, threads or build time) and what the tracker did, as the keys of one object.
package struct TrackReport: Codable, Sendable, Equatable {
    package var method: String
    package var figures: MethodFigures
    /// What the tracker did with the fixes.
    package var tracking: Tracking

    enum CodingKeys: String, CodingKey {
        case method
    }

    package init(_ s: TrackScore, wavelength: Double) {
        method = s.result.name
        figures = MethodFigures(s.result, wavelength: wavelength, los: nil)
        figures.threads = nil
        figures.buildSeconds = nil
        figures.framesPerSecond = nil
        tracking = Tracking(s)
    }

    /// Reads `method`, the figures and the tracker's counts from the one object ``encode(to:)`` writes.
    package init(from decoder: any Decoder) throws {
        figures = try MethodFigures(from: decoder)
        tracking = try Tracking(from: decoder)
        method = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .method)
    }

    /// Writes `method`, the figures and the tracker's counts side by side in one object.
    package func encode(to encoder: any Encoder) throws {
        try figures.encode(to: encoder)
        try tracking.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
    }
}
