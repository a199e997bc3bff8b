import ArgumentParser
import CSIChannel

/// `--nuisance`: the per-frame unknowns of a survey or of frames (docs/model.md, "Unsynchronised surveys").
enum NuisanceOption: String, ExpressibleByArgument, CaseIterable {
    /// Train: what the dataset declares, else detect from the survey. Localize: use what the model was trained with.
    case auto
    case none
    /// A random common phase with a calibrated gain: trained as `phase-gain` (one extra real unknown per frame, and
    /// gain changes stay harmless).
    case phase
    case phaseGain = "phase-gain"
    case phaseGainTiming = "phase-gain-timing"

    /// The explicit choice, nil for `auto`.
    var model: NuisanceModel? {
        switch self {
        case .auto: nil
        case .none: NuisanceModel.none
        case .phase, .phaseGain: .phaseAndGain
        case .phaseGainTiming: .phaseGainAndTiming
        }
    }
}
