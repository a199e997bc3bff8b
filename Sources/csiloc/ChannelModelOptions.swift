import ArgumentParser
import CSIChannel

/// Where the channel model of a localization comes from. Everything downstream takes `any ChannelModel`,
/// so a new source (a trained `--model file.csimodel`) only adds a case here.
struct ChannelModelOptions: ParsableArguments {
    @Option(name: .long, help: "Use the exact simulator of this scene YAML as the channel model (an oracle).")
    var oracleScene: String?

    /// A loaded model, its default search region and a label for reports.
    struct Loaded {
        var model: any ChannelModel
        var region: Region
        var label: String
        /// The scene, when the model is the oracle (used to simulate test points).
        var scene: Scene?
    }

    /// The one function that turns options into a channel model.
    func loadModel() throws -> Loaded {
        if let path = oracleScene {
            let scene = try Scene.load(contentsOf: path)
            return Loaded(model: ChannelSimulator(scene: scene), region: scene.ueRegion,
                          label: "oracle(\(scene.name))", scene: scene)
        }
        throw ValidationError("give a channel model: --oracle-scene SCENE.yaml")
    }
}
