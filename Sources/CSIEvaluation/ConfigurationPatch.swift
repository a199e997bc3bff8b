package import CSIChannel
package import CSISearch
import Foundation

/// `--config '{"circleArcSpacingWavelengths": 0.25}'`: overrides fields of a method's configuration with a
/// JSON object whose keys are `LocalizerConfiguration` property names (see docs/localization.md).
public enum ConfigurationPatch {
    /// Why a patch was refused; the message names the bad key or value.
    package struct PatchError: Error, Sendable, CustomStringConvertible {
        package let message: String
        package var description: String { message }
    }

    /// `method`'s configuration for frames with `nuisance` (a `"nuisance"` key in the patch takes precedence and
    /// selects the method's configuration for it), with the patch applied.
    package static func apply(
        _ json: String?, method: SearchMethod, nuisance: NuisanceModel
    ) throws(PatchError) -> LocalizerConfiguration {
        guard let json, !json.isEmpty else { return method.configuration(nuisance: nuisance) }
        let patch = try object(json)
        var chosen = nuisance
        if let name = patch["nuisance"] {
            guard let raw = name as? String, let n = NuisanceModel(rawValue: raw) else {
                throw PatchError(
                    message:
                        "--config: nuisance must be one of \(NuisanceModel.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            chosen = n
        }
        return try apply(json, to: method.configuration(nuisance: chosen))
    }

    /// `config` with the fields of the JSON object `json` replaced.
    package static func apply(
        _ json: String?, to config: LocalizerConfiguration
    ) throws(PatchError) -> LocalizerConfiguration {
        guard let json, !json.isEmpty else { return config }
        let patch = try object(json)
        guard let base = try? JSONEncoder().encode(config),
            var fields = (try? JSONSerialization.jsonObject(with: base)) as? [String: Any]
        else {
            throw PatchError(message: "--config: the configuration cannot be encoded")
        }
        // Every stored property is a key, optional ones (absent from the encoding while nil) included.
        let known = Set(Mirror(reflecting: config).children.compactMap(\.label))
        for (k, v) in patch {
            guard known.contains(k) else {
                throw PatchError(
                    message: "--config: unknown key '\(k)'; known: \(known.sorted().joined(separator: ", "))")
            }
            fields[k] = v
        }
        do {
            return try JSONDecoder().decode(
                LocalizerConfiguration.self, from: JSONSerialization.data(withJSONObject: fields))
        } catch {
            throw PatchError(message: "--config: \(error)")
        }
    }

    private static func object(_ json: String) throws(PatchError) -> [String: Any] {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
            let object = parsed as? [String: Any]
        else {
            throw PatchError(message: "--config must be a JSON object, got '\(json)'")
        }
        return object
    }
}
