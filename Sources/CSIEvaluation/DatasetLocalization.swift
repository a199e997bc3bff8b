public import CSIChannel
import CSISearch
import Foundation

/// `csiloc localize`: every sample of a dataset (optionally with added noise) localized with one or more methods
/// and scored against the dataset's positions.
public struct DatasetLocalization: Sendable {
    /// What to run.
    public struct Request: Sendable {
        /// Localization methods, in report order.
        public var methods: [LocalizationMethod] = [.search(.robust)]
        /// Training dataset for the 3-NN baseline (required when `methods` has it).
        public var fingerprints: String?
        /// Add white Gaussian noise at this per-location SNR, dB, from `seed`.
        public var snrDB: Double?
        /// Seed of the added noise.
        public var seed: UInt64 = 1
        /// The frames' per-frame unknowns; nil: those the model was trained with.
        public var nuisance: NuisanceModel?
        /// `--config`: a JSON object overriding `LocalizerConfiguration` fields (``ConfigurationPatch``).
        public var configPatch: String?
        /// Use only the first N samples.
        public var limit: Int?
        package var threads: Int

        /// Creates a request on `threads` threads with the defaults above.
        public init(threads: Int) {
            self.threads = threads
        }
    }

    package var data: String
    /// The model localized with.
    public var model: EvaluationModel
    /// The test channels and their true positions.
    public var test: TestSet
    /// `as recorded` or `<snr> dB SNR`.
    public var condition: String
    /// λ₀ of the dataset's carrier.
    public var wavelength: Double
    /// One result per method, in request order.
    public var results: [MethodResult]

    /// Loads the dataset, localizes it with each method.
    ///
    /// - Throws: dataset errors, ``EvaluationError`` (a shape other than the model's, 3-NN without fingerprints),
    ///   ``ConfigurationPatch/PatchError``, `LocalizerConfigurationError`.
    public static func run(data: String, model loaded: EvaluationModel, request: Request) throws -> DatasetLocalization
    {
        let dataset = try CSIDataset.load(contentsOf: data)
        let model = loaded.model
        guard dataset.antennaCount == model.antennaCount, dataset.subcarrierCount == model.subcarrierCount else {
            throw EvaluationError(
                "\(data): \(dataset.antennaCount) antennas × \(dataset.subcarrierCount) subcarriers, but the model has \(model.antennaCount) × \(model.subcarrierCount)"
            )
        }
        var test = TestSet(dataset: dataset, limit: request.limit)
        if let snr = request.snrDB {
            test = test.withNoise(
                snrDB: snr, seed: request.seed, antennas: dataset.antennaCount, frequencies: dataset.frequencies,
                carrier: dataset.carrier)
        }
        let width = request.threads
        var results: [MethodResult] = []
        for method in request.methods {
            switch method {
            case .nearestNeighbours:
                guard let path = request.fingerprints else {
                    throw EvaluationError("method 3nn needs a fingerprint dataset (--fingerprints train.npz)")
                }
                let t0 = Date()
                let fp = FingerprintLocalizer(dataset: try CSIDataset.load(contentsOf: path))
                results.append(
                    LocalizationRunner.runFingerprints(
                        fp, buildSeconds: Date().timeIntervalSince(t0), test: test, width: width,
                        flat: loaded.region.isFlat))
            case .search(let m):
                let c = try ConfigurationPatch.apply(
                    request.configPatch, method: m, nuisance: request.nuisance ?? loaded.nuisance)
                results.append(
                    try LocalizationRunner.run(
                        name: m.rawValue, model: model, region: loaded.region, configuration: c,
                        test: test, width: width, quality: loaded.quality))
            }
        }
        return DatasetLocalization(
            data: data, model: loaded, test: test,
            condition: request.snrDB.map { String(format: "%g dB SNR", $0) } ?? "as recorded",
            wavelength: speedOfLight / dataset.carrier, results: results)
    }

    /// The `--json` report.
    public var report: LocalizeReport {
        LocalizeReport(
            data: data, model: model.label, points: test.count, condition: condition,
            methods: results.map { MethodReport($0, wavelength: wavelength, los: test.los) })
    }

    /// The text summary: a heading, then each method's summary and stage table.
    public var lines: [String] {
        var lines = [
            String(
                format: "localize: %@ with %@, %d samples (%@), λ₀ = %.3f cm", data, model.label, test.count, condition,
                100 * wavelength)
        ]
        for r in results {
            lines += LocalizationReport.summary(r, wavelength: wavelength, los: test.los)
            lines += LocalizationReport.stages(r)
        }
        return lines
    }
}
