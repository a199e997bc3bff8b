import ArgumentParser
import CSIChannel
import CSIEvaluation
import CSIModel

/// `csiloc eval`: reconstruction NMSE of a model on a dataset.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reconstruction error (NMSE) of a model on a dataset.",
        discussion: "Example: csiloc eval --model out/street.csimodel --data out/test.npz [--json] [--map quality.svg]"
    )

    @Option(name: .long, help: "Model file.")
    var model: String

    @Option(name: .long, help: "Dataset (NPZ) with ground-truth channels.")
    var data: String

    @OptionGroup var output: ReportOutputOptions

    @Option(
        name: .long,
        help: "Draw truth vs reconstruction and their spatial spectra over a λ/4 patch into this SVG (needs --scene).")
    var picture: String?

    @Option(name: .long, help: "Scene YAML giving the ground truth for --picture.")
    var scene: String?

    @Option(
        name: .long,
        help:
            "Print the per-region NMSE map (validation, recorded at training, and this dataset's) and draw it into this SVG (docs/model.md, \"Quality map\")."
    )
    var map: String?

    @Option(name: .long, help: "Side of the --picture patch in metres (centred on the training area).")
    var patchSize: Double = 2.5

    func validate() throws {
        if picture != nil && scene == nil {
            throw ValidationError("--picture needs --scene SCENE.yaml for the ground truth on the patch")
        }
        guard patchSize > 0 && patchSize <= 20 else { throw ValidationError("--patch-size must be in (0, 20] metres") }
    }

    func run() throws {
        let loaded = try ModelLoader.load(contentsOf: model)
        let dataset = try CSIDataset.load(contentsOf: data)
        let evaluation = try ReconstructionEvaluation.run(model: loaded, dataset: dataset, data: data)
        if let picture, let scenePath = scene {
            let r = loaded.searchRegion
            let c = Point3((r.x.lowerBound + r.x.upperBound) / 2, (r.y.lowerBound + r.y.upperBound) / 2, r.z.lowerBound)
            let svg = ReconstructionPatch.svg(
                model: loaded.model, label: loaded.header.kind, scene: try Scene.load(contentsOf: scenePath),
                center: c, size: patchSize)
            try ErrorPictures.write(svg, to: picture)
            if !output.json { print("eval: wrote \(picture)") }
        }
        if let map {
            let report = try QualityMapReport.run(model: loaded, dataset: dataset, data: data)
            try ErrorPictures.write(report.svg, to: map)
            if !output.json {
                report.lines.forEach { print($0) }
                print("eval: wrote \(map)")
            }
        }
        try output.print(evaluation.report, lines: evaluation.lines)
    }
}
