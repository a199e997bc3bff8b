import ArgumentParser
import CSIChannel
import CSIModel
import CSINumerics
import Foundation

/// `csiloc bench inr`: trains an MB-INR or a baseline on simulated channels and reports train / validation /
/// test NMSE, sample density, speed, and (optionally) NMSE on held-out subcarriers.
struct BenchINR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inr",
        abstract: "Neural location-to-channel models: accuracy and training speed.",
        discussion: """
            Examples:
              csiloc bench inr --patch 2 --train 4000 --test 1000 --minutes 5          # MB-INR, 2 m × 2 m, ≈ 7 samples/λ²
              csiloc bench inr --train 15000 --test 2000 --preset reference --minutes 10  # full street, 1.1 samples/λ²
              csiloc bench inr --model mlp --patch 2 --train 4000 --minutes 3           # spectral bias
              csiloc bench inr --patch 2 --train 4000 --hold-out-subcarriers             # frequency extrapolation
            """
    )

    @OptionGroup var sceneOptions: SceneOptions

    @Option(help: "Side of a square patch (m) centred in the scene's UE region, instead of the whole region.")
    var patch: Double?
    @Option(help: "Training + validation samples.") var train = 15_000
    @Option(help: "Test samples (independent positions).") var test = 2_000
    @Option(help: "Network.") var model: NeuralBenchmarks.ModelKind = .mbinr
    @Option(help: "Size preset.") var preset: NeuralPreset = .small
    @Option(
        help:
            "MB-INR start: standard, prefit, fit (image-source fit of the training data) or physics (the simulator's exact paths)."
    )
    var start: NeuralBenchmarks.Start = .prefit
    @Option(help: "Time budget of the image-source fit for --start fit, minutes.") var fitMinutes: Double?
    @Option(help: "Training epochs (upper bound).") var epochs: Int?
    @Option(help: "Wall-clock budget, minutes.") var minutes: Double?
    @Option(help: "Batch size.") var batch: Int?
    @Option(help: "Initial learning rate.") var lr: Double?
    @Option(help: "Worker threads.") var threads: Int?
    @Option(help: "Early-stopping patience (validations).") var patience: Int?
    @Option(help: "Learning-rate warm-up epochs.") var warmup: Int?
    @Option(help: "Gradient slices per batch (threads split them).") var shards: Int?
    @Option(help: "OpenBLAS threads during training.") var blasThreads: Int?
    @Option(help: "Epochs of branch fitting for --start prefit|fit|physics.") var warmStartEpochs = 30
    @Flag(help: "Train on even subcarriers, report NMSE on the odd ones.") var holdOutSubcarriers = false
    @Option(help: "Seed (data, init, batch order).") var seed: UInt64 = 1

    func run() throws {
        var scene = try sceneOptions.load()
        if let s = patch {
            let r = scene.ueRegion, cx = (r.x.lowerBound + r.x.upperBound) / 2,
                cy = (r.y.lowerBound + r.y.upperBound) / 2
            scene.ueRegion = Region(x: (cx - s / 2)...(cx + s / 2), y: (cy - s / 2)...(cy + s / 2), z: r.z)
        }
        var req = NeuralBenchmarks.Request(scene: scene)
        req.trainCount = train; req.testCount = test; req.model = model; req.preset = preset; req.start = start
        req.holdOutOddSubcarriers = holdOutSubcarriers; req.seed = seed; req.warmStartEpochs = warmStartEpochs
        req.fitMinutes = fitMinutes
        var o = preset.trainingOptions
        if let epochs { o.epochs = epochs }
        if let minutes { o.minutes = minutes }
        if let batch { o.batchSize = batch }
        if let lr { o.learningRate = lr }
        if let threads { o.threads = threads }
        if let patience { o.patience = patience }
        if let warmup { o.warmupEpochs = warmup }
        if let shards { o.shards = shards }
        if let blasThreads { o.blasThreads = blasThreads }
        o.seed = seed
        req.options = o
        FileHandle.standardOutput.write(
            Data(
                ("bench inr: scene \(scene.name), region x \(scene.ueRegion.x) y \(scene.ueRegion.y), model \(model.rawValue), preset \(preset.rawValue), start \(start.rawValue)\n")
                    .utf8))
        _ = try NeuralBenchmarks.run(req) { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }
}
