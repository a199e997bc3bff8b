import ArgumentParser
import CSIChannel
import CSIModel

/// Where the channel model of a localization comes from. Everything downstream takes `any ChannelModel`,
/// so a new source (a trained `--model file.csimodel`) only adds a case here.
struct ChannelModelOptions: ParsableArguments {
    @Option(name: .long, help: "Trained model file (csiloc train).")
    var model: String?

    @Option(name: .long, help: "Use the exact simulator of this scene YAML as the channel model (an oracle).")
    var oracleScene: String?

    /// A loaded model, its default search region and a label for reports.
    struct Loaded {
        var model: any ChannelModel
        var region: Region
        var label: String
        /// The scene, when the model is the oracle (used to simulate test points).
        var scene: Scene?
        /// The per-frame unknowns of the model's training survey (none for the oracle): the search default.
        var nuisance: NuisanceModel = .none
    }

    /// The one function that turns options into a channel model.
    func loadModel() throws -> Loaded {
        if model != nil && oracleScene != nil { throw ValidationError("give either --model or --oracle-scene, not both") }
        if let path = model {
            let loaded = try ModelLoader.load(contentsOf: path)
            return Loaded(model: loaded.model, region: loaded.searchRegion,
                          label: "\(loaded.header.kind)(\(loaded.digest.prefix(12)))", scene: nil, nuisance: loaded.nuisance)
        }
        if let path = oracleScene {
            let scene = try Scene.load(contentsOf: path)
            return Loaded(model: ChannelSimulator(scene: scene), region: scene.ueRegion,
                          label: "oracle(\(scene.name))", scene: scene)
        }
        throw ValidationError("give a channel model: --model FILE.csimodel or --oracle-scene SCENE.yaml")
    }
}
