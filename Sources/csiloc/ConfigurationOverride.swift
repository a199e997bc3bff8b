import ArgumentParser
import CSISearch
import Foundation

/// `--config '{"circleArcSpacingWavelengths": 0.25}'`: overrides fields of a method's configuration with a
/// JSON object whose keys are `LocalizerConfiguration` property names (see docs/localization.md).
enum ConfigurationOverride {
    static func apply(_ json: String?, to config: LocalizerConfiguration) throws -> LocalizerConfiguration {
        guard let json, !json.isEmpty else { return config }
        let base = try JSONEncoder().encode(config)
        guard var object = try JSONSerialization.jsonObject(with: base) as? [String: Any],
              let patch = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw ValidationError("--config must be a JSON object")
        }
        for (k, v) in patch {
            guard object.keys.contains(k) || k == "region" || k == "localHalfWidth" || k == "carrier" else {
                throw ValidationError("--config: unknown key '\(k)'; known: \(object.keys.sorted().joined(separator: ", "))")
            }
            object[k] = v
        }
        do {
            return try JSONDecoder().decode(LocalizerConfiguration.self, from: JSONSerialization.data(withJSONObject: object))
        } catch {
            throw ValidationError("--config: \(error)")
        }
    }
}
