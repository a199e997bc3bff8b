import ArgumentParser
import CSIChannel
import CSIEvaluation
import CSINumerics
import CSISearch
import Foundation

/// `csiloc bench localize`: accuracy and speed of the search in one command, on test points simulated
/// from a seed (clean and at a given SNR), with the 3-NN baseline over simulated fingerprints.
struct BenchLocalize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "localize",
        abstract: "Localization accuracy and speed (per method, clean and noisy, per-stage time and evaluations).",
        discussion:
            "Example: csiloc bench localize --oracle-scene etc/scenes/street.yaml --points 500 --methods robust,offgrid-pi,3nn"
    )

    @OptionGroup var modelOptions: ChannelModelOptions

    @Option(name: .long, help: "Test points simulated uniformly in the scene's UE region.")
    var points: Int = 500

    @Option(
        name: .long,
        help: "Comma-separated methods: \(SearchMethod.allCases.map(\.rawValue).joined(separator: ", ")), default, 3nn."
    )
    var methods = LocalizationMethodList(argument: "robust,offgrid-pi,3nn")!

    @Option(name: .long, help: "SNR of the noisy pass, dB (the clean pass always runs).")
    var snrDb: Double = 5

    @Option(name: .long, help: "Simulated fingerprints for 3-NN.")
    var trainingPoints: Int = 15_000

    @Option(name: .long, help: "Random seed (test points, noise, fingerprints).")
    var seed: UInt64 = 1

    @OptionGroup var parallel: ThreadOptions

    @Option(
        name: .long, help: "JSON object overriding configuration fields of every search method (docs/localization.md).")
    var config: String?

    @Flag(name: .long, help: "Also print residual diagnostics (noise ratios of correct and wrong fixes).")
    var diagnose = false

    @OptionGroup var output: ReportOutputOptions

    @Option(
        name: .long,
        help: "Scene YAML that generates the test points (and 3-NN fingerprints) when --model is a trained model.")
    var scene: String?

    func validate() throws {
        guard (1...1_000_000).contains(points) else { throw ValidationError("--points must be in 1...1000000") }
        guard trainingPoints >= 3 else { throw ValidationError("--training-points must be at least 3") }
    }

    func run() throws {
        let loaded = try modelOptions.loadModel()
        guard let scene = try loaded.scene ?? scene.map({ try Scene.load(contentsOf: $0) }) else {
            throw ValidationError("bench localize simulates test points: give --oracle-scene, or --model with --scene")
        }
        var request = LocalizationBenchmark.Request(methods: methods.methods, threads: parallel.width)
        request.points = points
        request.snrDB = snrDb
        request.trainingPoints = trainingPoints
        request.seed = seed
        request.configPatch = config
        let bench = try LocalizationBenchmark.run(model: loaded, scene: scene, request: request)
        try output.print(bench.report, lines: bench.lines(diagnose: diagnose))
    }
}
