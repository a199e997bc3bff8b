package import CSIChannel
public import CSISearch

/// One method's results over a test set, for summaries, reports, pictures and estimate files.
public struct MethodResult: Sendable {
    /// The method's name in reports (`robust`, `3nn`, `daemon`, …).
    public var name: String
    package var estimates: [Point3]
    /// Distance of each estimate from its truth, m (horizontal for 2-D searches).
    package var errors: [Double]
    /// Localizer fixes (nil for the 3-NN baseline and for fixes that came over the wire).
    public var fixes: [Fix]?
    /// Wall time of the localization of all frames, s, and of building the localizer (dictionary), s.
    public var seconds: Double
    package var buildSeconds: Double
    package var threads: Int

    package init(
        name: String, estimates: [Point3], errors: [Double], fixes: [Fix]? = nil, seconds: Double,
        buildSeconds: Double = 0, threads: Int = 0
    ) {
        self.name = name
        self.estimates = estimates
        self.errors = errors
        self.fixes = fixes
        self.seconds = seconds
        self.buildSeconds = buildSeconds
        self.threads = threads
    }

    package var framesPerSecond: Double { Double(estimates.count) / max(seconds, 1e-12) }

    /// The errors' summary with gross errors above λ₀/2.
    package func statistics(wavelength: Double) -> ErrorStatistics {
        ErrorStatistics(errors: errors, grossThreshold: wavelength / 2)
    }
}
