import ArgumentParser
import CSIChannel
import CSIModel
import CSINumerics
import Foundation
import Numerics

/// `csiloc bench model`: fit/train a location-to-channel model on one dataset and report its test NMSE and time.
struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Fit a model on a training set and report test NMSE and wall time.",
        discussion: "Example: csiloc bench model --train out/train.npz --test out/test.npz"
    )

    @Option(name: .long, help: "Training dataset (NPZ).")
    var train: String

    @Option(name: .long, help: "Test dataset (NPZ).")
    var test: String

    @OptionGroup var fit: SurveyFitOptions

    func run() throws {
        let t0 = Date()
        let data = try CSIDataset.load(contentsOf: train)
        let testSet = try CSIDataset.load(contentsOf: test)
        let split = TrainingData.split(count: data.count, validationFraction: fit.validation, seed: fit.seed)
        let tr = TrainingData(dataset: data, indices: split.train)
        let va = TrainingData(dataset: data, indices: split.validation, scale: tr.scale)
        var options = ImageSourceFitter.Options()
        options.maxSources = fit.maxPaths
        options.seed = fit.seed
        options.nuisance = ModelTrainer.resolveNuisance(data, given: fit.nuisance.model) { printError($0) }
        let result = ImageSourceFitter(options: options).fit(train: tr, validation: va) { p in
            printError(
                String(
                    format: "fit: %@ — %d paths, validation %@, %.1f s", p.stage, p.sources,
                    p.validationNMSEDB.map { String(format: "%.2f dB", $0) } ?? "–", p.elapsed))
        }
        let fitTime = Date().timeIntervalSince(t0)
        let raw = testSet.csi.map(Double.init)
        let err = ChannelError.measure(result.model, positions: testSet.positions, reference: raw)
        // An unsynchronised survey pins one global gain and delay by convention; the test set's frames are compared
        // after their own gain, phase and timing, as a localizer removing the same unknowns sees them.
        let invariant =
            options.nuisance == .none
            ? nil
            : ChannelError.measure(
                result.model, positions: testSet.positions, reference: raw, nuisance: .phaseGainAndTiming)
        for d in result.decisions { print("decision: \(d)") }
        for (i, s) in result.model.sources.enumerated() {
            print(
                String(
                    format: "path %2d: centre (%.3f, %.3f, %.3f) |g| %.4f", i, s.center.x, s.center.y, s.center.z,
                    s.gain.length))
        }
        print(
            String(
                format:
                    "bench model: physics fit, %d paths, validation %.2f dB, test NMSE %.2f dB (ratio of sums %.2f dB) on %d points, %.1f s",
                result.model.sources.count, result.validationNMSEDB, err.nmseDB, err.nmseSumDB, err.points, fitTime))
        if let invariant {
            print(
                String(
                    format: "bench model: nuisance %@: test NMSE after each frame's own gain, phase and timing %.2f dB",
                    options.nuisance.rawValue, invariant.nmseDB))
        }
    }
}
