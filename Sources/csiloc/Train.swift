import ArgumentParser
import CSIChannel
import CSIEvaluation
import CSIModel
import Foundation

/// `csiloc train`: learn a scene's location-to-channel model from a dataset and write a model file.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a location-to-channel model from an NPZ dataset.",
        discussion: """
            Example: csiloc train --data out/train.npz --out out/street.csimodel
            Kinds: auto (image-source fit, then a neural network on its residual when that improves validation NMSE),
            physics, inr (the MB-INR alone, warm-started from an image-source fit's paths; --inr-start data for the
            published data-only start), hybrid, mlp, rff. Ctrl-C stops at the next safe point and writes the best model so far.
            A checkpoint (<out>.checkpoint) is written as training improves. See docs/model.md.
            """
    )

    @Option(name: .long, help: "Training dataset (NPZ, docs/datasets.md).")
    var data: String

    @Option(name: .long, help: "Output model file.")
    var out: String

    @Option(name: .long, help: "Model kind.")
    var model: ModelTrainer.Kind = .auto

    @Option(name: .long, help: "Size preset for neural parts.")
    var preset: ModelTrainer.Preset = .reference

    @Option(name: .long, help: "Time budget in minutes (the best model within it is kept).")
    var minutes: Double?

    @OptionGroup var fit: SurveyFitOptions

    @Option(
        name: .long,
        help:
            "Start of --model inr: fit (warm start from an image-source fit's paths) or data (pre-fit from the data alone)."
    )
    var inrStart: ModelTrainer.INRStart = .fit

    @Option(name: .long, help: "Name of the scene coordinate frame, recorded in the model and published with fixes.")
    var frame: String = "scene"

    @Option(
        name: .long,
        help:
            "A scene YAML whose edges (building corners: docs/scenes.md) the physics fit may bend paths around (docs/model.md, \"Diffracted paths\")."
    )
    var edges: String?

    @Flag(
        name: .long,
        help:
            "With --edges: also take each edge's wedge (faces, n, reflection coefficients) from the scene file and give the paths around it the wedge's diffraction coefficient. Off by default: on the surveys measured a smooth fitted gain did better (docs/model.md, \"The wedge's coefficient\")."
    )
    var edgeCoefficients = false

    func validate() throws {
        if let minutes, !(minutes > 0) { throw ValidationError("--minutes must be positive") }
        if edgeCoefficients && edges == nil { throw ValidationError("--edge-coefficients needs --edges SCENE.yaml") }
    }

    func run() throws {
        let dataset = try CSIDataset.load(contentsOf: data)
        var options = ModelTrainer.Options()
        options.kind = model
        options.preset = preset
        options.minutes = minutes
        options.validationFraction = fit.validation
        options.seed = fit.seed
        options.maxPaths = fit.maxPaths
        options.inrStart = inrStart
        options.frame = frame
        options.nuisance = fit.nuisance.model
        if let edges {
            options.edges = try Scene.load(contentsOf: edges).edges.map { EdgeLine($0, wedge: edgeCoefficients) }
            guard !options.edges.isEmpty else {
                throw ValidationError("--edges: \(edges) lists no edges (docs/scenes.md, \"Diffraction\")")
            }
        }
        options.localizeValidation = QualityCalibration.hook(width: options.width)
        Interrupt.install()
        let checkpointPath = out + ".checkpoint"
        let file = try ModelTrainer(options: options).train(
            dataset: dataset, log: printError, cancelled: { Interrupt.isRequested },
            checkpoint: { try? $0.write(to: checkpointPath) })
        try file.write(to: out)
        try? FileManager.default.removeItem(atPath: checkpointPath)
        let h = file.header
        printError(
            String(
                format:
                    "train: wrote %@ (%@, %@): validation NMSE %.2f dB (ratio of sums %.2f dB) on %d points, %.1f s",
                out, h.kind, String(try file.digest().prefix(12)), h.validation.nmseDB, h.validation.nmseSumDB,
                h.validation.points, h.training.seconds))
    }
}
