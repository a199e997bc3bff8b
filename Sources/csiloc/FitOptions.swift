import ArgumentParser

/// The options that fitting a model from a dataset shares (`train`, `bench model`): the validation split, the
/// image-source fit's path cap and the seed.
struct FitOptions: ParsableArguments {
    @Option(name: .long, help: "Fraction of the dataset held out for validation.")
    var validation: Double = 0.1

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
