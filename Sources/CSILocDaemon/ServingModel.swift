import CSIChannel
import CSIModel
import CSISearch
import Foundation
import StrictYAML
import Yams

/// A channel model ready to serve: the `Localizer` built for it (with its cached global dictionary), the
/// identity published with every fix, and the frame shape it accepts.
///
/// Immutable and `Sendable`; the pipeline holds the current one behind a lock and swaps in a new one on
/// reload. Workers pick up the new one at their next frame and build a new scratch space for it.
public final class ServingModel: Sendable {
    public let localizer: Localizer
    /// `digest` of the model file (SHA-256 hex), or `oracle:<scene>@<sha256 of the scene file>`.
    public let identity: String
    /// Name of the coordinate frame of positions (the model's or the scene's `frame`).
    public let frameName: String
    /// The frame shape this model serves: `n_ant`, `n_sc`.
    public let antennaCount: Int
    public let subcarrierCount: Int
    /// Increases by one per model built in this process (for logs and the `model_generation` gauge).
    public let generation: Int

    init(localizer: Localizer, identity: String, frameName: String, generation: Int) {
        self.localizer = localizer
        self.identity = identity
        self.frameName = frameName
        antennaCount = localizer.model.antennaCount
        subcarrierCount = localizer.model.subcarrierCount
        self.generation = generation
    }

    /// Loads the model named by `configuration.model` and builds its localizer (this evaluates the model on
    /// the global grid once: seconds for large models, so never call it on the cooperative pool).
    ///
    /// - Parameter configText: the configuration's YAML text, used to locate a load error at its key.
    /// - Throws: `YAMLFileError` located at `model.path`/`model.oracle_scene`, with the loader's message.
    public static func load(_ configuration: DaemonConfiguration, configFile: String, configText: String?,
                            generation: Int, width: Int) throws -> ServingModel {
        let source = configuration.model
        let model: any ChannelModel
        let region: Region
        let identity: String
        let frameName: String
        var modelNuisance = NuisanceModel.none
        do {
            if let scenePath = source.oracleScene {
                let scene = try Scene.load(contentsOf: scenePath)
                model = ChannelSimulator(scene: scene)
                region = scene.ueRegion
                identity = "oracle:\(scene.name)@\(try fileDigest(scenePath))"
                frameName = scene.frame
            } else {
                let loaded = try ModelLoader.load(contentsOf: source.path ?? "")
                model = loaded.model
                modelNuisance = loaded.nuisance
                region = loaded.searchRegion
                identity = loaded.digest
                frameName = loaded.header.frame
            }
        } catch {
            throw locatedError(configFile: configFile, text: configText, key: source.sourceKey, message: "\(error)")
        }
        let localizer = Localizer(model: model, region: region,
                                  configuration: configuration.search.localizerConfiguration(modelNuisance: modelNuisance),
                                  width: width)
        return ServingModel(localizer: localizer, identity: identity, frameName: frameName, generation: generation)
    }

    /// SHA-256 (hex) of a file's bytes.
    static func fileDigest(_ path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var hash = SHA256()
        data.withUnsafeBytes { hash.update($0) }
        return SHA256.hex(hash.finalize())
    }

    /// A `YAMLFileError` at the line of `key` (e.g. `model.path`) in the configuration text.
    static func locatedError(configFile: String, text: String?, key: [String], message: String) -> YAMLFileError {
        var mark: Mark?
        if let text, var node = try? Yams.compose(yaml: text) {
            for name in key {
                guard let pair = node.mapping?.first(where: { $0.key.string == name }) else { break }
                mark = pair.key.mark
                node = pair.value
            }
        }
        return YAMLFileError(file: configFile, line: mark?.line, column: mark?.column, path: key.joined(separator: "."),
                             message: message, snippet: text.flatMap { mark?.snippet(from: $0) })
    }
}
