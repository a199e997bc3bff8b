public import CSIChannel
import CSIModel

/// A channel model to localize with, from a trained model file or a scene's exact simulator (the oracle),
/// with its default search region and a label for reports. Everything downstream takes `any ChannelModel`, so
/// a new source only adds a constructor here.
public struct EvaluationModel: Sendable {
    /// The channel function localized with.
    public var model: any ChannelModel
    /// The default search region.
    public var region: Region
    /// `kind(digest prefix)` for a model file, `oracle(scene name)` for a simulator.
    public var label: String
    /// The scene, when the model is the oracle (used to simulate test points).
    public var scene: Scene?
    /// The per-frame unknowns of the model's training survey (none for the oracle): the search default.
    public var nuisance: NuisanceModel
    /// The model file's quality map (nil for the oracle and older files): localizers judge fixes with it.
    public var quality: ModelQualityMap?

    /// A model with its default search `region` and report `label`; `scene` only for the oracle.
    public init(
        model: any ChannelModel, region: Region, label: String, scene: Scene? = nil, nuisance: NuisanceModel = .none,
        quality: ModelQualityMap? = nil
    ) {
        self.quality = quality
        self.model = model
        self.region = region
        self.label = label
        self.scene = scene
        self.nuisance = nuisance
    }

    /// A trained model file (`csiloc train`).
    public static func load(modelFile path: String) throws -> EvaluationModel {
        let loaded = try ModelLoader.load(contentsOf: path)
        return EvaluationModel(
            model: loaded.model, region: loaded.searchRegion,
            label: "\(loaded.header.kind)(\(loaded.digest.prefix(12)))", scene: nil, nuisance: loaded.nuisance,
            quality: loaded.header.quality)
    }

    /// The exact simulator of a scene file, searched over the scene's UE region.
    public static func oracle(scenePath path: String) throws -> EvaluationModel {
        oracle(try Scene.load(contentsOf: path))
    }

    /// The exact simulator of `scene`, searched over its UE region.
    public static func oracle(_ scene: Scene) -> EvaluationModel {
        EvaluationModel(
            model: ChannelSimulator(scene: scene), region: scene.ueRegion, label: "oracle(\(scene.name))", scene: scene)
    }
}
