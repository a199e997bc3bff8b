import ArgumentParser
import CSIChannel
import CSISearch
import Foundation

/// `--config '{"circleArcSpacingWavelengths": 0.25}'`: overrides fields of a method's configuration with a
/// JSON object whose keys are `LocalizerConfiguration` property names (see docs/localization.md).
enum ConfigurationOverride {
    /// `method`'s configuration for frames with `nuisance` (a `"nuisance"` key in the patch takes precedence and
    /// selects the method's configuration for it), with the patch applied.
    static func apply(_ json: String?, method: SearchMethod, nuisance: NuisanceModel) throws -> LocalizerConfiguration {
        guard let json, !json.isEmpty else { return method.configuration(nuisance: nuisance) }
        let patch = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        var chosen = nuisance
        if let name = patch?["nuisance"] {
            guard let raw = name as? String, let n = NuisanceModel(rawValue: raw) else {
                throw ValidationError("--config: nuisance must be one of \(NuisanceModel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            chosen = n
        }
        return try apply(json, to: method.configuration(nuisance: chosen))
    }

    static func apply(_ json: String?, to config: LocalizerConfiguration) throws -> LocalizerConfiguration {
        guard let json, !json.isEmpty else { return config }
        let base = try JSONEncoder().encode(config)
        guard var object = try JSONSerialization.jsonObject(with: base) as? [String: Any],
              let patch = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw ValidationError("--config must be a JSON object")
        }
        // Every stored property is a key, optional ones (absent from the encoding while nil) included.
        let known = Set(Mirror(reflecting: config).children.compactMap(\.label))
        for (k, v) in patch {
            guard known.contains(k) else {
                throw ValidationError("--config: unknown key '\(k)'; known: \(known.sorted().joined(separator: ", "))")
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
