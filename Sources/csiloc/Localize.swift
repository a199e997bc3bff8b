import ArgumentParser
import CSIEvaluation
import CSINumerics
import CSISearch

/// `csiloc localize`: locate every sample of a dataset with one or more methods and summarise the errors.
struct Localize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Localize the channels of a dataset and report error statistics (docs/localization.md).",
        discussion: """
            Examples:
              csiloc localize --data test.npz --oracle-scene etc/scenes/street.yaml --method robust --method offgrid-pi
              csiloc localize --data test.npz --oracle-scene etc/scenes/street.yaml --snr-db 5 --json --picture cdf.svg
              csiloc localize --data test.npz --oracle-scene etc/scenes/street.yaml --method 3nn --fingerprints train.npz
            Methods: \(SearchMethod.allCases.map(\.rawValue).joined(separator: ", ")), default (= robust), 3nn.
            """
    )

    @Option(name: .long, help: "Test dataset (NPZ, docs/datasets.md); its positions are the ground truth.")
    var data: String

    @OptionGroup var modelOptions: ChannelModelOptions

    @Option(name: .long, help: "Method (repeatable). Default: robust.")
    var method: [LocalizationMethod] = []

    @Option(name: .long, help: "Training dataset for the 3-NN baseline (method 3nn).")
    var fingerprints: String?

    @Option(name: .long, help: "Add white Gaussian noise to the test channels at this per-location SNR, dB.")
    var snrDb: Double?

    @Option(name: .long, help: "Seed of the added noise.")
    var seed: UInt64 = 1

    @OptionGroup var search: SearchSetupOptions

    @Option(name: .long, help: "Use only the first N samples.")
    var limit: Int?

    @OptionGroup var parallel: ThreadOptions

    @OptionGroup var output: ReportOutputOptions

    @Option(name: .long, help: "Write estimates, errors, status and covariances to this NPZ file.")
    var out: String?

    @Option(name: .long, help: "Draw the error CDFs (log axis) to this SVG file.")
    var picture: String?

    @Option(name: .long, help: "Draw an error map (first method) to this SVG file.")
    var map: String?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
        if method.contains(.nearestNeighbours) && fingerprints == nil {
            throw ValidationError("method 3nn needs --fingerprints train.npz")
        }
    }

    func run() throws {
        let loaded = try modelOptions.loadModel()
        var request = DatasetLocalization.Request(threads: parallel.width)
        request.methods = method.isEmpty ? [.search(.robust)] : method
        request.fingerprints = fingerprints
        request.snrDB = snrDb
        request.seed = seed
        request.nuisance = search.nuisance.model
        request.configPatch = search.config
        request.limit = limit
        let run = try DatasetLocalization.run(data: data, model: loaded, request: request)
        try output.print(run.report, lines: run.lines)
        if let picture {
            try ErrorPictures.write(
                ErrorPictures.cdf(
                    run.results, wavelength: run.wavelength,
                    title: "Localization error CDF — \(loaded.label), \(run.condition)"), to: picture)
        }
        if let map, let first = run.results.first {
            try ErrorPictures.write(
                ErrorPictures.map(
                    first, truth: run.test.positions, region: loaded.region,
                    title: "Error of \(first.name) — \(run.condition)"), to: map)
        }
        if let out { try EstimatesFile.write(run.results, truth: run.test.positions, to: out) }
    }
}
