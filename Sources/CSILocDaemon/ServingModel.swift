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
    let localizer: Localizer
    /// `digest` of the model file (SHA-256 hex), or `oracle:<scene>@<sha256 of the scene file>`.
    let identity: String
    /// Name of the coordinate frame of positions (the model's or the scene's `frame`).
    let frameName: String
    /// The frame shape this model serves: `n_ant`, `n_sc`.
    public let antennaCount: Int
    /// Subcarriers (`n_sc`) of the frames this model serves.
    public let subcarrierCount: Int
    /// Increases by one per model built in this process (for logs and the `model_generation` gauge).
    package let generation: Int

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
    public static func load(
        _ configuration: DaemonConfiguration, configFile: String, configText: String?,
        generation: Int, width: Int
    ) throws -> ServingModel {
        let source = configuration.model
        let model: any ChannelModel
        let region: Region
        let identity: String
        let frameName: String
        var modelNuisance = NuisanceModel.none
        var quality: ModelQualityMap? = nil
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
                quality = loaded.header.quality
                region = loaded.searchRegion
                identity = loaded.digest
                frameName = loaded.header.frame
            }
        } catch {
            throw locatedError(configFile: configFile, text: configText, key: source.sourceKey, message: "\(error)")
        }
        // One validation for start, reload and --check: every field, the region and every derived size
        // (LocalizerConfiguration.validate); an error is located at the YAML key it comes from.
        let search = configuration.search.localizerConfiguration(modelNuisance: modelNuisance)
        let localizer: Localizer
        do {
            localizer = try Localizer(
                validating: model, region: region, configuration: search, width: width, quality: quality)
        } catch let error as LocalizerConfigurationError {
            let key = yamlKey(of: error, search: configuration.search, source: source, text: configText)
            throw locatedError(configFile: configFile, text: configText, key: key, message: "\(error)")
        }
        try dryRun(localizer, configFile: configFile, configText: configText, sourceKey: source.sourceKey)
        return ServingModel(localizer: localizer, identity: identity, frameName: frameName, generation: generation)
    }

    /// Localizes the model's own channel at the centre of the search region once: a model whose channel there is
    /// not finite, or a search that cannot give a finite fix for it, is refused before it serves a frame.
    static func dryRun(_ localizer: Localizer, configFile: String, configText: String?, sourceKey: [String]) throws {
        let r = localizer.region
        let centre = (r.lower + r.upper) / 2
        let model = localizer.model
        var h = [Double](repeating: 0, count: model.valuesPerChannel)
        [centre].withUnsafeBufferPointer { p in h.withUnsafeMutableBufferPointer { model.evaluate(p, into: $0) } }
        func fail(_ message: String) -> YAMLFileError {
            locatedError(configFile: configFile, text: configText, key: sourceKey, message: message)
        }
        let at = "(\(centre.x), \(centre.y), \(centre.z))"
        guard h.allSatisfy(\.isFinite) else {
            throw fail("the model's channel at the search region's centre \(at) is not finite")
        }
        let fix = localizer.localize(h)
        guard fix.position.x.isFinite, fix.position.y.isFinite, fix.position.z.isFinite, !fix.cost.isNaN else {
            throw fail(
                "a dry localization of the model's own channel at \(at) gave no finite fix (position \(fix.position), cost \(fix.cost))"
            )
        }
    }

    /// The YAML key a validation error belongs to: the first of its fields set under `search:` in the file, else
    /// the model source (the model's shape, frequencies or training region), else `search.method` (a preset value).
    static func yamlKey(
        of error: LocalizerConfigurationError, search: SearchSettings, source: ModelSettings, text: String?
    ) -> [String] {
        typealias K = SearchSettings.CodingKeys
        // LocalizerConfiguration field → `search:` key (the same names, snake_case with units).
        let names: [String: K] = [
            "region": .region, "globalMeasure": .globalMeasure, "globalSpacing": .globalSpacing,
            "globalPrescreenStride": .globalPrescreenStride, "globalPrescreenKeep": .globalPrescreenKeep,
            "localGrid": .localGrid, "localHalfWidth": .localHalfWidth, "localStepWavelengths": .localStepWavelengths,
            "refinement": .refinement, "maxIterations": .maxIterations, "gradientSteps": .gradientSteps,
            "circles": .circles, "circleOrders": .circleOrders, "circleContractions": .circleContractions,
            "circleCandidatesToRefine": .circleCandidatesToRefine, "arc": .arc, "arcSpan": .arcSpan,
            "nuisance": .nuisance,
            "noiseFloor": .noiseSNRdB, "reportedSNR": .reportedSNR, "grossErrorSigmas": .grossErrorSigmas,
            "carrier": .carrier,
            "modelErrorSigmas": .modelErrorSigmas, "untrustedAmbiguity": .untrustedAmbiguity,
            "runnerUpAlignment": .runnerUpAlignment, "runnerUpSigmas": .runnerUpSigmas,
            "modelQuality": .modelQuality,
        ]
        let present = Set(
            (text.flatMap { try? Yams.compose(yaml: $0) }?.mapping?["search"]?.mapping?.keys.compactMap(\.string)) ?? []
        )
        for field in error.keys {
            if let name = names[field]?.rawValue, present.contains(name) { return ["search", name] }
        }
        if error.keys.contains("model") || (error.keys.contains("region") && search.region == nil) {
            return source.sourceKey
        }
        return present.contains("method") ? ["search", "method"] : ["search"]
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
        return YAMLFileError(
            file: configFile, line: mark?.line, column: mark?.column, path: key.joined(separator: "."),
            message: message, snippet: text.flatMap { mark?.snippet(from: $0) })
    }
}
