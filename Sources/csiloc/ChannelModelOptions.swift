import ArgumentParser
import CSIEvaluation

/// Where the channel model of a localization comes from: `--model FILE.csimodel` or `--oracle-scene SCENE.yaml`
/// (``EvaluationModel``).
struct ChannelModelOptions: ParsableArguments {
    @Option(name: .long, help: "Trained model file (csiloc train).")
    var model: String?

    @Option(name: .long, help: "Use the exact simulator of this scene YAML as the channel model (an oracle).")
    var oracleScene: String?

    /// The one function that turns options into a channel model.
    func loadModel() throws -> EvaluationModel {
        if model != nil && oracleScene != nil {
            throw ValidationError("give either --model or --oracle-scene, not both")
        }
        if let path = model { return try EvaluationModel.load(modelFile: path) }
        if let path = oracleScene { return try EvaluationModel.oracle(scenePath: path) }
        throw ValidationError("give a channel model: --model FILE.csimodel or --oracle-scene SCENE.yaml")
    }
}
