import ArgumentParser
import CSIChannel
import CSINumerics
import CSISearch
import Foundation

/// `csiloc bench localize`: accuracy and speed of the search in one command, on test points simulated
/// from a seed (clean and at a given SNR), with the 3-NN baseline over simulated fingerprints.
struct BenchLocalize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "localize",
        abstract: "Localization accuracy and speed (per method, clean and noisy, per-stage time and evaluations).",
        discussion: "Example: csiloc bench localize --oracle-scene etc/scenes/street.yaml --points 500 --methods robust,offgrid-pi,3nn"
    )

    @OptionGroup var modelOptions: ChannelModelOptions

    @Option(name: .long, help: "Test points simulated uniformly in the scene's UE region.")
    var points: Int = 500

    @Option(name: .long, help: "Comma-separated methods: \(SearchMethod.allCases.map(\.rawValue).joined(separator: ", ")), default, 3nn.")
    var methods: String = "robust,offgrid-pi,3nn"

    @Option(name: .long, help: "SNR of the noisy pass, dB (the clean pass always runs).")
    var snrDb: Double = 5

    @Option(name: .long, help: "Simulated fingerprints for 3-NN.")
    var trainingPoints: Int = 15_000

    @Option(name: .long, help: "Random seed (test points, noise, fingerprints).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: "JSON object overriding configuration fields of every search method (docs/localization.md).")
    var config: String?

    @Flag(name: .long, help: "Also print residual diagnostics (noise ratios of correct and wrong fixes).")
    var diagnose = false

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    @Option(name: .long, help: "Scene YAML that generates the test points (and 3-NN fingerprints) when --model is a trained model.")
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
        let names = methods.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for n in names where n != "3nn" && SearchMethod(name: n) == nil {
            throw ValidationError("unknown method '\(n)'; known: \(SearchMethod.allCases.map(\.rawValue).joined(separator: ", ")), default, 3nn")
        }
        let sim = ChannelSimulator(scene: scene)
        let width = threads ?? Parallel.defaultWidth
        let wavelength = scene.subcarriers.wavelength
        let clean = TestSet.simulate(sim, count: points, seed: seed)
        let noisy = clean.withNoise(snrDB: snrDb, seed: seed, antennas: sim.antennaCount, frequencies: sim.frequencies,
                                    carrier: scene.subcarriers.carrier)
        var output: [[String: Any]] = []
        if !json {
            print(String(format: "bench localize: %@, %d test points, N_a=%d, N_s=%d, %d paths, λ₀ = %.3f cm, %d threads",
                         loaded.label, points, sim.antennaCount, sim.subcarrierCount, sim.paths.count, 100 * wavelength, width))
        }
        for name in names {
            var results: [(String, MethodResult)] = []
            if name == "3nn" {
                let t0 = Date()
                let train = TestSet.simulate(sim, count: trainingPoints, seed: seed &+ 1_000_003)
                let fp = FingerprintLocalizer(positions: train.positions, csi: train.csi, valuesPerChannel: train.valuesPerChannel)
                let build = Date().timeIntervalSince(t0)
                for (label, set) in [("clean", clean), (String(format: "%g dB", snrDb), noisy)] {
                    results.append((label, LocalizationRunner.runFingerprints(fp, buildSeconds: build, test: set, width: width, flat: scene.ueRegion.isFlat)))
                }
            } else {
                let method = SearchMethod(name: name)!
                let t0 = Date()
                let localizer = try Localizer(validating: loaded.model, region: loaded.region, configuration: ConfigurationOverride.apply(config, method: method, nuisance: loaded.nuisance), width: width)
                let build = Date().timeIntervalSince(t0)
                for (label, set) in [("clean", clean), (String(format: "%g dB", snrDb), noisy)] {
                    results.append((label, LocalizationRunner.run(localizer, name: method.rawValue, buildSeconds: build, test: set, width: width)))
                }
                if !json {
                    print(String(format: "%@: global %d nodes (%.1f MB cache), local %d, circles %d points",
                                 method.rawValue, localizer.dictionary.nodes.count, Double(localizer.dictionary.memoryBytes) / 1e6,
                                 localizer.localGridSize, localizer.circleSize))
                }
            }
            for (label, r) in results {
                if json {
                    var o = LocalizationReport.json(r, wavelength: wavelength, los: clean.los)
                    o["condition"] = label
                    output.append(o)
                } else {
                    print("\(r.name) [\(label)]")
                    LocalizationReport.summary(r, wavelength: wavelength, los: clean.los).forEach { print($0) }
                    LocalizationReport.stages(r).forEach { print($0) }
                    if diagnose {
                        LocalizationReport.residualDiagnostics(r, truth: clean.positions, wavelength: wavelength,
                                                               dimension: scene.ueRegion.isFlat ? 2 : 3).forEach { print($0) }
                    }
                }
            }
        }
        if json {
            print(LocalizationReport.encode(["benchmark": "localize", "scene": scene.name, "points": points,
                                             "threads": width, "snr_db": snrDb, "methods": output]))
        }
    }
}
