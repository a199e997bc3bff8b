public import CSITracking
import StrictYAML

/// `tracking:` — a constant-velocity Kalman filter per (receiver, UE) on the fixes (docs/daemon.md, "Tracking").
///
/// Off by default: with it, fixes gain a `track` member and a fix outside the track's innovation gate is published
/// with `status: "outlier"`, a value that consumers decoding with an older `PositionFix` (which knows only ok,
/// suspect and failed) reject. Turn it on once the consumers are ready for it.
public struct TrackingSettings: Sendable, Equatable, Decodable {
    /// Track the fixes and publish `track`.
    var enabled: Bool
    /// The tracker's parameters (validated: every number finite and in range).
    public var tracker: TrackerConfiguration

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled
        case accelerationPSD = "acceleration_psd", gateProbability = "gate_probability"
        case outliersToRestart = "outliers_to_restart", restartAfterSeconds = "restart_after_s"
        case expireAfterSeconds = "expire_after_s", maxTracks = "max_tracks"
        case measurementFloorM = "measurement_floor_m", defaultMeasurementSigmaM = "default_measurement_sigma_m"
        case initialSpeedSigmaMps = "initial_speed_sigma_mps"
    }

    /// Every key at its default (decoding an empty mapping keeps the defaults in one place).
    static let defaults: TrackingSettings = try! StrictYAML.decode(
        TrackingSettings.self, from: "{}", file: "<defaults>")

    /// Decodes `tracking`, rejecting unknown keys.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.value(.enabled, default: false)
        let d = TrackerConfiguration()
        var t = TrackerConfiguration()
        t.accelerationPSD = try c.value(.accelerationPSD, default: d.accelerationPSD)
        t.gateProbability = try c.value(.gateProbability, default: d.gateProbability)
        t.outliersToRestart = try c.value(.outliersToRestart, default: d.outliersToRestart)
        t.restartAfterSeconds = try c.value(.restartAfterSeconds, default: d.restartAfterSeconds)
        t.expireAfterSeconds = try c.value(.expireAfterSeconds, default: d.expireAfterSeconds)
        t.maxTracks = try c.value(.maxTracks, default: d.maxTracks)
        t.measurementFloorM = try c.value(.measurementFloorM, default: d.measurementFloorM)
        t.defaultMeasurementSigmaM = try c.value(.defaultMeasurementSigmaM, default: d.defaultMeasurementSigmaM)
        t.initialSpeedSigmaMps = try c.value(.initialSpeedSigmaMps, default: d.initialSpeedSigmaMps)
        do {
            try t.validate()
        } catch {
            // Located at the offending key (TrackerConfiguration names keys as the YAML does).
            let key = CodingKeys(rawValue: error.key) ?? .enabled
            try c.require(false, key, error.message)
        }
        tracker = t
    }
}
