public import CSIChannel
import CSISearch
import Foundation

/// `csiloc bench localize`: accuracy and speed of the search on test points simulated from a seed, clean and at
/// a given SNR, with the 3-NN baseline over simulated fingerprints.
public struct LocalizationBenchmark: Sendable {
    /// What to run.
    public struct Request: Sendable {
        /// Localization methods, in report order.
        public var methods: [LocalizationMethod]
        /// Test points simulated uniformly in the scene's UE region.
        public var points: Int = 500
        /// SNR of the noisy pass, dB (the clean pass always runs).
        public var snrDB: Double = 5
        /// Simulated fingerprints for 3-NN.
        public var trainingPoints: Int = 15_000
        /// Test points, noise and fingerprints.
        public var seed: UInt64 = 1
        package var threads: Int
        /// `--config` applied to every search method (``ConfigurationPatch``).
        public var configPatch: String?

        /// A request for `methods` on `threads` threads with the defaults above.
        public init(methods: [LocalizationMethod], threads: Int) {
            self.methods = methods
            self.threads = threads
        }
    }

    /// One method's two passes.
    package struct Entry: Sendable {
        /// `clean` and `<snr> dB`, with the method's results under each.
        var runs: [(condition: String, result: MethodResult)]
        /// For search methods: the localizer's global nodes, cache size (bytes), local grid and circle sizes.
        package var localizer: (nodes: Int, cacheBytes: Int, localGrid: Int, circle: Int)?
        package var method: LocalizationMethod
    }

    var request: Request
    /// The scene the test points are simulated in.
    public var scene: Scene
    var modelLabel: String
    package var antennaCount: Int, subcarrierCount: Int, pathCount: Int
    var clean: TestSet
    package var entries: [Entry]
    /// What one model evaluation costs (measured on one thread before the runs).
    var throughput: ModelThroughput

    /// λ₀ of the scene's carrier, metres.
    public var wavelength: Double { scene.subcarriers.wavelength }

    /// Simulates the test points of `scene`, runs every method on them clean and noisy.
    ///
    /// - Throws: ``ConfigurationPatch/PatchError``, `LocalizerConfigurationError`.
    public static func run(
        model loaded: EvaluationModel, scene: Scene, request: Request
    ) throws -> LocalizationBenchmark {
        let sim = ChannelSimulator(scene: scene)
        let width = request.threads
        let clean = TestSet.simulate(sim, count: request.points, seed: request.seed)
        let noisy = clean.withNoise(
            snrDB: request.snrDB, seed: request.seed, antennas: sim.antennaCount, frequencies: sim.frequencies,
            carrier: scene.subcarriers.carrier)
        let sets = [("clean", clean), (String(format: "%g dB", request.snrDB), noisy)]
        let throughput = ModelThroughput.measure(loaded.model, region: loaded.region)
        var entries: [Entry] = []
        for method in request.methods {
            switch method {
            case .nearestNeighbours:
                let t0 = Date()
                let train = TestSet.simulate(sim, count: request.trainingPoints, seed: request.seed &+ 1_000_003)
                let fp = FingerprintLocalizer(
                    positions: train.positions, csi: train.csi, valuesPerChannel: train.valuesPerChannel)
                let build = Date().timeIntervalSince(t0)
                entries.append(
                    Entry(
                        runs: sets.map {
                            (
                                $0.0,
                                LocalizationRunner.runFingerprints(
                                    fp, buildSeconds: build, test: $0.1, width: width,
                                    flat: scene.ueRegion.isFlat)
                            )
                        },
                        localizer: nil, method: method))
            case .search(let m):
                let t0 = Date()
                let localizer = try Localizer(
                    validating: loaded.model, region: loaded.region,
                    configuration: ConfigurationPatch.apply(request.configPatch, method: m, nuisance: loaded.nuisance),
                    width: width, quality: loaded.quality)
                let build = Date().timeIntervalSince(t0)
                entries.append(
                    Entry(
                        runs: sets.map {
                            (
                                $0.0,
                                LocalizationRunner.run(
                                    localizer, name: m.rawValue, buildSeconds: build, test: $0.1, width: width)
                            )
                        },
                        localizer: (
                            localizer.dictionary.nodes.count, localizer.dictionary.memoryBytes,
                            localizer.localGridSize, localizer.circleSize
                        ),
                        method: method))
            }
        }
        return LocalizationBenchmark(
            request: request, scene: scene, modelLabel: loaded.label, antennaCount: sim.antennaCount,
            subcarrierCount: sim.subcarrierCount, pathCount: sim.paths.count, clean: clean, entries: entries,
            throughput: throughput)
    }

    /// The `--json` report.
    public var report: BenchLocalizeReport {
        BenchLocalizeReport(
            scene: scene.name, points: request.points, threads: request.threads, snrDB: request.snrDB,
            modelThroughput: throughput,
            methods: entries.flatMap { e in
                e.runs.map { run in
                    var m = MethodReport(run.result, wavelength: wavelength, los: clean.los)
                    m.condition = run.condition
                    return m
                }
            })
    }

    /// The text report; with `diagnose`, each search method's residual diagnostics too.
    public func lines(diagnose: Bool) -> [String] {
        var lines = [
            String(
                format: "bench localize: %@, %d test points, N_a=%d, N_s=%d, %d paths, λ₀ = %.3f cm, %d threads",
                modelLabel, request.points, antennaCount, subcarrierCount, pathCount, 100 * wavelength, request.threads),
            throughput.line,
        ]
        for e in entries {
            if let l = e.localizer, case .search(let m) = e.method {
                lines.append(
                    String(
                        format: "%@: global %d nodes (%.1f MB cache), local %d, circles %d points",
                        m.rawValue, l.nodes, Double(l.cacheBytes) / 1e6, l.localGrid, l.circle))
            }
            for (label, r) in e.runs {
                lines.append("\(r.name) [\(label)]")
                lines += LocalizationReport.summary(r, wavelength: wavelength, los: clean.los)
                lines += LocalizationReport.stages(r)
                if diagnose {
                    lines += LocalizationReport.residualDiagnostics(
                        r, truth: clean.positions, wavelength: wavelength,
                        dimension: scene.ueRegion.isFlat ? 2 : 3)
                }
            }
        }
        return lines
    }
}
