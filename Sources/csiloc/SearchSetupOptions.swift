import ArgumentParser

/// How the searches of a localizing command (`localize`, `evaluate`) are set up beyond their method: the frames'
/// per-frame unknowns (`--nuisance`) and overrides of the search configuration's fields (`--config`).
struct SearchSetupOptions: ParsableArguments {
    @Option(name: .long, help: NuisanceOption.framesHelp)
    var nuisance: NuisanceOption = .auto

    @Option(name: .long, help: "JSON object overriding configuration fields of the search methods.")
    var config: String?
}
