import ArgumentParser
import CSIChannel
import CSINumerics
import CSISearch
import Foundation
import NumpyArchive

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
    var method: [String] = []

    @Option(name: .long, help: "Training dataset for the 3-NN baseline (method 3nn).")
    var fingerprints: String?

    @Option(name: .long, help: "Add white Gaussian noise to the test channels at this per-location SNR, dB.")
    var snrDb: Double?

    @Option(name: .long, help: "Seed of the added noise.")
    var seed: UInt64 = 1

    @Option(name: .long, help: ArgumentHelp("Per-frame unknowns of the frames: auto (those the model was trained with), none, phase (an alias of phase-gain), phase-gain, phase-gain-timing. A \"nuisance\" key in --config takes precedence.", valueName: "nuisance"))
    var nuisance: NuisanceOption = .auto

    @Option(name: .long, help: "JSON object overriding configuration fields of the search methods.")
    var config: String?

    @Option(name: .long, help: "Use only the first N samples.")
    var limit: Int?

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    @Option(name: .long, help: "Write estimates, errors, status and covariances to this NPZ file.")
    var out: String?

    @Option(name: .long, help: "Draw the error CDFs (log axis) to this SVG file.")
    var picture: String?

    @Option(name: .long, help: "Draw an error map (first method) to this SVG file.")
    var map: String?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
        for m in method where m != "3nn" && SearchMethod(name: m) == nil {
            throw ValidationError("unknown method '\(m)'; known: \(SearchMethod.allCases.map(\.rawValue).joined(separator: ", ")), default, 3nn")
        }
        if method.contains("3nn") && fingerprints == nil { throw ValidationError("method 3nn needs --fingerprints train.npz") }
    }

    func run() throws {
        let loaded = try modelOptions.loadModel()
        let dataset = try CSIDataset.load(contentsOf: data)
        let model = loaded.model
        guard dataset.antennaCount == model.antennaCount, dataset.subcarrierCount == model.subcarrierCount else {
            throw ValidationError("\(data): \(dataset.antennaCount) antennas × \(dataset.subcarrierCount) subcarriers, but the model has \(model.antennaCount) × \(model.subcarrierCount)")
        }
        let n = min(limit ?? dataset.count, dataset.count)
        var test = TestSet(positions: Array(dataset.positions.prefix(n)), csi: Array(dataset.csi.prefix(n * dataset.valuesPerSample)),
                           valuesPerChannel: dataset.valuesPerSample, los: dataset.los.map { Array($0.prefix(n)) })
        if let snrDb {
            test = test.withNoise(snrDB: snrDb, seed: seed, antennas: dataset.antennaCount, frequencies: dataset.frequencies, carrier: dataset.carrier)
        }
        let width = threads ?? Parallel.defaultWidth
        let wavelength = speedOfLight / dataset.carrier
        let flat = loaded.region.isFlat
        var results: [MethodResult] = []
        for name in method.isEmpty ? ["robust"] : method {
            if name == "3nn" {
                let t0 = Date()
                let train = try CSIDataset.load(contentsOf: fingerprints!)
                let fp = FingerprintLocalizer(dataset: train)
                results.append(LocalizationRunner.runFingerprints(fp, buildSeconds: Date().timeIntervalSince(t0), test: test, width: width, flat: flat))
            } else {
                let m = SearchMethod(name: name)!
                let c = try ConfigurationOverride.apply(config, method: m, nuisance: nuisance.model ?? loaded.nuisance)
                let t0 = Date()
                let localizer = try Localizer(validating: model, region: loaded.region, configuration: c, width: width)
                results.append(LocalizationRunner.run(localizer, name: m.rawValue, buildSeconds: Date().timeIntervalSince(t0), test: test, width: width))
            }
        }
        let condition = snrDb.map { String(format: "%g dB SNR", $0) } ?? "as recorded"
        if json {
            let methods = results.map { LocalizationReport.json($0, wavelength: wavelength, los: test.los) }
            var o: [String: Any] = ["data": data, "model": loaded.label, "points": n, "condition": condition, "methods": methods]
            if let first = methods.first { for (k, v) in first where k != "method" { o[k] = v } }   // single-method shortcut keys
            print(LocalizationReport.encode(o))
        } else {
            print(String(format: "localize: %@ with %@, %d samples (%@), λ₀ = %.3f cm", data, loaded.label, n, condition, 100 * wavelength))
            for r in results {
                LocalizationReport.summary(r, wavelength: wavelength, los: test.los).forEach { print($0) }
                LocalizationReport.stages(r).forEach { print($0) }
            }
        }
        if let picture {
            try ErrorPictures.cdf(results, wavelength: wavelength, title: "Localization error CDF — \(loaded.label), \(condition)")
                .write(toFile: picture, atomically: true, encoding: .utf8)
        }
        if let map, let first = results.first {
            try ErrorPictures.map(first, truth: test.positions, region: loaded.region, title: "Error of \(first.name) — \(condition)")
                .write(toFile: map, atomically: true, encoding: .utf8)
        }
        if let out { try write(results, truth: test.positions, to: out) }
    }

    /// positions (M,3); per method: estimates_<m> (M,3), errors_<m> (M,), and for search methods
    /// status_<m> (M,) int (0 converged, 1 on-grid, 2 not converged, 3 gross error suspected) and
    /// covariance_<m> (M,d,d) (NaN when unavailable). A single method is also written without suffix.
    func write(_ results: [MethodResult], truth: [Point3], to path: String) throws {
        let w = try NPZWriter(path: path)
        let m = truth.count
        try w.write(name: "positions", doubles: truth.flatMap { [$0.x, $0.y, $0.z] }, shape: [m, 3])
        for r in results {
            var suffixes = ["_" + r.name.replacingOccurrences(of: "-", with: "_")]
            if results.count == 1 { suffixes.append("") }
            for sfx in suffixes {
                try w.write(name: "estimates" + sfx, doubles: r.estimates.flatMap { [$0.x, $0.y, $0.z] }, shape: [m, 3])
                try w.write(name: "errors" + sfx, doubles: r.errors, shape: [m])
                if let fixes = r.fixes {
                    let codes: [FixStatus] = [.converged, .onGrid, .notConverged, .grossErrorSuspected]
                    try w.write(name: "status" + sfx, doubles: fixes.map { Double(codes.firstIndex(of: $0.status) ?? 0) }, shape: [m])
                    let d = fixes.first?.covariance?.dimension ?? 2
                    try w.write(name: "covariance" + sfx,
                                doubles: fixes.flatMap { $0.covariance?.matrix ?? [Double](repeating: .nan, count: d * d) }, shape: [m, d, d])
                }
            }
        }
        try w.finish()
    }
}
