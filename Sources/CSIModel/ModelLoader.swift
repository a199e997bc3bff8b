public import CSIChannel

/// A model ready to serve: the channel function, its header, its identity and its default search region.
public struct LoadedModel: Sendable {
    /// The channel function (H as a function of position).
    public let model: any ChannelModel
    /// The model file's header.
    public let header: ModelHeader
    /// SHA-256 of the model file (hex); published with every fix.
    public let digest: String
    /// The training positions' bounding box (2-D at the training height when flat).
    public var searchRegion: Region { header.trainingRegion }
    /// The per-frame unknowns of the survey the model was trained on: what localizers remove by default.
    public var nuisance: NuisanceModel { header.trainingNuisance ?? .none }
}

/// Reads model files of every kind this csiloc knows.
public enum ModelLoader {
    /// Loads and validates a model file; errors name the file and the problem.
    public static func load(contentsOf path: String) throws -> LoadedModel {
        let file = try ModelFile.read(contentsOf: path)
        return LoadedModel(model: try model(of: file, path: path), header: file.header, digest: try file.digest())
    }

    /// The channel model a (validated) model file describes; `path` names it in errors.
    public static func model(of file: ModelFile, path: String = "model") throws -> any ChannelModel {
        // Every number of the file, before any of it is used (a valid checksum proves nothing).
        try file.validate(path: path)
        let model: any ChannelModel
        switch file.header.kind {
        case "physics":
            model = try ImageSourceModel(file: file, path: path)
        default:
            if let custom = try extraKinds(file, path) {
                model = custom
            } else {
                throw ModelFileError(
                    file: path,
                    "unsupported model kind '\(file.header.kind)' (this csiloc reads: \(knownKinds.joined(separator: ", ")))"
                )
            }
        }
        guard model.antennaCount == file.header.antennas.count, model.subcarrierCount == file.header.frequencies.count
        else {
            throw ModelFileError(file: path, "parameters do not match the header's antennas/frequencies")
        }
        return model
    }

    static var knownKinds: [String] { ["physics"] + extraKindNames }
}
