import ArgumentParser

/// The options that adjust the search methods of a localization from a capture or a dataset (`evaluate`,
/// `localize`): the frames' per-frame unknowns and a JSON patch of the methods' configuration.
struct SearchTuningOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Per-frame unknowns of the frames: auto (those the model was trained with), none, phase (an alias of phase-gain), phase-gain, phase-gain-timing. A \"nuisance\" key in --config takes precedence.",
            valueName: "nuisance"))
    var nuisance: NuisanceOption = .auto

    @Option(name: .long, help: "JSON object overriding configuration fields of the search methods.")
    var config: String?
}
