public import CSIChannel

/// The named variants of the search: the published ablations (docs/method.md §10.2) and the improved default.
///
/// `configuration` gives each one's complete `LocalizerConfiguration`; callers may still override fields.
public enum SearchMethod: String, Sendable, Codable, CaseIterable {
    /// Global PS grid + local PS grid, no refinement.
    case ongridPS = "ongrid-ps"
    /// Global PI grid + local PS grid, no refinement.
    case ongridPI = "ongrid-pi"
    /// Global PS + local PS + Adam, no circles.
    case offgridPSNoCircles = "offgrid-ps-nocircles"
    /// Global PS + local PS + Adam + circles at kλ₀ + Adam.
    case offgridPS = "offgrid-ps"
    /// The published method: global PI + local PS + Adam + circles at kλ₀ + Adam.
    case offgridPI = "offgrid-pi"
    /// Improved: angle–delay global measure, local PS grid, LM, circles at kλ₀/c, LM from the best four.
    case robust = "robust"

    /// Parses a method name; `default` is an alias of `robust`.
    public init?(name: String) {
        if name == "default" { self = .robust; return }
        self.init(rawValue: name)
    }

    /// The configuration of this variant.
    public var configuration: LocalizerConfiguration { configuration(nuisance: .none) }

    /// The method's configuration for frames with these per-frame unknowns. Without a common phase (and
    /// timing), the cost's spurious minima are set by phase differences between paths — not at the kλ₀ circles
    /// of the strongest path, and often several λ₀ away — so `robust` then replaces the circles by a local grid
    /// 2× wider whose 4 best distinct nodes are refined, and by the ambiguity stage, which refines from the fix plus
    /// each near-repeat offset of the model (docs/localization.md, "Unsynchronised frames").
    public func configuration(nuisance: NuisanceModel) -> LocalizerConfiguration {
        var c = LocalizerConfiguration()
        c.nuisance = nuisance
        if self == .robust && nuisance != .none {
            c.circles = false
            c.localHalfWidthSpacings = 2
            c.localCandidatesToRefine = 4
            c.ambiguityStage = true
        }
        guard self != .robust else { return c }
        // Everything published: one full-resolution global grid, published refinement and circles.
        c.globalPrescreenStride = 1
        c.refinement = .adam
        c.circleContractions = [1]
        c.circleCandidatesToRefine = 1
        c.widenOnSuspect = false
        c.adaptiveCircles = false
        c.rankingAntennaStride = 1
        switch self {
        case .ongridPS: c.globalMeasure = .phaseSensitive; c.refinement = .none; c.circles = false
        case .ongridPI: c.globalMeasure = .phaseInsensitive; c.refinement = .none; c.circles = false
        case .offgridPSNoCircles: c.globalMeasure = .phaseSensitive; c.circles = false
        case .offgridPS: c.globalMeasure = .phaseSensitive
        case .offgridPI: c.globalMeasure = .phaseInsensitive
        case .robust: break
        }
        return c
    }
}
