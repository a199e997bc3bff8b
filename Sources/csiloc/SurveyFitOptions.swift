import ArgumentParser

/// How a command that fits a model to a survey (`train`, `bench model`) splits and fits it: the share held out
/// for validation, the survey's per-frame unknowns, the image-source fit's path cap and the seed. Declared once so
/// that both commands take these flags with the same meaning, defaults and limits.
struct SurveyFitOptions: ParsableArguments {
    @Option(name: .long, help: "Fraction of the dataset held out for validation.")
    var validation: Double = 0.1

    @Option(name: .long, help: NuisanceOption.surveyHelp)
    var nuisance: NuisanceOption = .auto

    @Option(name: .long, help: "Maximum number of propagation paths for the image-source fit.")
    var maxPaths: Int = 40

    @Option(name: .long, help: "Random seed (split, initialisation). Same seed and data ⇒ same model.")
    var seed: UInt64 = 1

    func validate() throws {
        guard validation > 0 && validation < 0.5 else {
            throw ValidationError("--validation must be in (0, 0.5), got \(validation)")
        }
        guard (1...128).contains(maxPaths) else { throw ValidationError("--max-paths must be in 1...128") }
    }
}
