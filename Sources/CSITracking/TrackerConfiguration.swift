/// Settings of the per-(receiver, UE) tracker (the daemon's `tracking:` section, docs/daemon.md).
public struct TrackerConfiguration: Sendable, Equatable {
    /// Spectral density of the white acceleration noise per axis, m²/s³ (≈ σ_a² · τ for accelerations of
    /// standard deviation σ_a that last τ seconds). 10 keeps a walker's sharp turns inside the gate at 20–100 Hz
    /// while λ/2 ambiguities stay outside (docs/daemon.md, "Tracking", measured).
    public var accelerationPSD: Double = 10
    /// Probability of the χ² innovation gate: a fix whose normalized innovation squared exceeds the χ² quantile
    /// of this probability (2 or 3 degrees of freedom) is an outlier.
    public var gateProbability: Double = 0.9999
    /// This many consecutive outliers restart the track at the last one (the track, not the fixes, was wrong).
    public var outliersToRestart: Int = 5
    /// A fix more than this many seconds after the track's last update restarts the track (re-acquisition).
    public var restartAfterSeconds: Double = 2.0
    /// A track not updated for this many seconds of receive time is forgotten.
    public var expireAfterSeconds: Double = 60
    /// At most this many tracks; a new UE beyond it evicts the least recently updated track.
    public var maxTracks: Int = 1024
    /// Added in quadrature to every axis of a fix's covariance, m (model error the search's covariance does not
    /// see, and a floor for near-singular covariances).
    public var measurementFloorM: Double = 0.003
    /// Standard deviation per axis for a fix without a covariance (on-grid methods), m.
    public var defaultMeasurementSigmaM: Double = 0.05
    /// Standard deviation of each velocity component when a track starts, m/s.
    public var initialSpeedSigmaMps: Double = 3.0

    /// Creates the defaults documented on each property.
    public init() {}

    /// Limits of every value (inclusive unless noted); `validate()` checks against them.
    enum Limits {
        static let accelerationPSD: ClosedRange<Double> = 1e-6...1e6
        /// Open at 1.
        static let gateProbability: ClosedRange<Double> = 0.5...0.999999999
        static let outliersToRestart: ClosedRange<Int> = 1...1000
        static let restartAfterSeconds: ClosedRange<Double> = 0.001...86_400
        static let expireAfterSeconds: ClosedRange<Double> = 0.001...604_800
        static let maxTracks: ClosedRange<Int> = 1...1_048_576
        static let measurementFloorM: ClosedRange<Double> = 0...100
        static let defaultMeasurementSigmaM: ClosedRange<Double> = 1e-6...1000
        static let initialSpeedSigmaMps: ClosedRange<Double> = 1e-3...1000
    }

    /// A value out of range, named by its configuration key (snake_case, as in the YAML).
    public struct InvalidValue: Error, Sendable, Equatable, CustomStringConvertible {
        /// The configuration key at fault, snake_case as in the YAML.
        public let key: String
        /// What is wrong with the value.
        public let message: String
        /// `key: message`.
        public var description: String { "\(key): \(message)" }
    }

    /// Every number finite and in range (`Limits`); the first failure, named by its key.
    public func validate() throws(InvalidValue) {
        func check(_ value: Double, _ range: ClosedRange<Double>, _ key: String) throws(InvalidValue) {
            guard value.isFinite, range.contains(value) else {
                throw InvalidValue(
                    key: key,
                    message: "must be a finite number in \(range.lowerBound)...\(range.upperBound), got \(value)")
            }
        }
        func check(_ value: Int, _ range: ClosedRange<Int>, _ key: String) throws(InvalidValue) {
            guard range.contains(value) else {
                throw InvalidValue(
                    key: key, message: "must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
            }
        }
        try check(accelerationPSD, Limits.accelerationPSD, "acceleration_psd")
        try check(gateProbability, Limits.gateProbability, "gate_probability")
        try check(outliersToRestart, Limits.outliersToRestart, "outliers_to_restart")
        try check(restartAfterSeconds, Limits.restartAfterSeconds, "restart_after_s")
        try check(expireAfterSeconds, Limits.expireAfterSeconds, "expire_after_s")
        try check(maxTracks, Limits.maxTracks, "max_tracks")
        try check(measurementFloorM, Limits.measurementFloorM, "measurement_floor_m")
        try check(defaultMeasurementSigmaM, Limits.defaultMeasurementSigmaM, "default_measurement_sigma_m")
        try check(initialSpeedSigmaMps, Limits.initialSpeedSigmaMps, "initial_speed_sigma_mps")
    }
}
