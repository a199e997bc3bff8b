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

    /// `--nuisance` of the commands that localize frames (`localize`, `evaluate`).
    static let framesHelp = ArgumentHelp(
        "Per-frame unknowns of the frames: auto (those the model was trained with), none, phase (an alias of phase-gain), phase-gain, phase-gain-timing. A \"nuisance\" key in --config takes precedence.",
        valueName: "nuisance")

    /// `--nuisance` of `train`: the unknowns of the survey, recorded in the model.
    static let surveyHelp = ArgumentHelp(
        "Per-frame unknowns of the survey: auto (what the dataset's 'nuisance' key declares, else detect from close point pairs), none (phase-coherent), phase (a random common phase; an alias of phase-gain, whose free gain costs one real unknown per frame), phase-gain (a random common phase and gain per frame), phase-gain-timing (also a timing offset). Recorded in the model; localizers then remove the same unknowns.",
        valueName: "nuisance")

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
