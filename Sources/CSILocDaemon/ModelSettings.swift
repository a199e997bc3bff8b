import Foundation
import StrictYAML

/// `model:` — which channel model the daemon serves. Exactly one of `path` and `oracle_scene`.
///
/// `oracle_scene` serves the exact simulator of a scene (`ChannelSimulator`) with the scene's UE region as the
/// search region. It is meant for tests, benchmarks and demos: it needs no trained model and gives the
/// best accuracy the search can reach, so it isolates the daemon from model quality.
public struct ModelSettings: Sendable, Equatable, Decodable {
    /// A model file written by `csiloc train` (relative paths: relative to the configuration file).
    public var path: String?
    /// A scene YAML whose exact simulator is served instead of a model file.
    public var oracleScene: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case path, oracleScene = "oracle_scene" }

    /// Settings with a model file `path`, or an `oracleScene` (the scene's exact channel as the model).
    public init(path: String? = nil, oracleScene: String? = nil) {
        self.path = path
        self.oracleScene = oracleScene
    }

    /// Decodes `model`, rejecting unknown keys.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decodeIfPresent(String.self, forKey: .path)
        oracleScene = try c.decodeIfPresent(String.self, forKey: .oracleScene)
        try c.require(
            !(path != nil && oracleScene != nil), .oracleScene, "give either model.path or model.oracle_scene, not both"
        )
        if path == nil, oracleScene == nil {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "give model.path (a model file) or model.oracle_scene (a scene, for tests and demos)"))
        }
        try c.require(path.map { !$0.isEmpty } ?? true, .path, "must not be empty")
        try c.require(oracleScene.map { !$0.isEmpty } ?? true, .oracleScene, "must not be empty")
    }

    /// Makes relative paths relative to `base` (the configuration file's directory), so a config works from
    /// any working directory (systemd starts services in `/`).
    mutating func resolvePaths(relativeTo base: String) {
        func resolve(_ p: String?) -> String? {
            guard let p, !p.hasPrefix("/"), !base.isEmpty else { return p }
            return base.hasSuffix("/") ? base + p : base + "/" + p
        }
        path = resolve(path)
        oracleScene = resolve(oracleScene)
    }

    /// The configuration key that names the model source (for locating load errors).
    var sourceKey: [String] { path != nil ? ["model", "path"] : ["model", "oracle_scene"] }
}
